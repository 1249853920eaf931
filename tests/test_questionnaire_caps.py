"""Questionnaire caps and control characters (issue 11): a 775 KB file of 12,000 questions,
too many options, too long texts and invisible control characters are refused by the one
validation (file:line: field: message) wherever a questionnaire comes from (the CLI, the loader,
the builder's upload), before its questions are read; the builder cannot pass the caps one
question or one option at a time."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.builder import service
from app.extensions import db
from app.models import Campaign, Question, Questionnaire
from app.staff.services import create_campaign
from app.surveys.definitions import schema as definition_schema
from app.surveys.definitions.library import DefinitionError, load_questionnaires
from app.surveys.definitions.schema import MAX_OPTIONS, MAX_QUESTIONS
from tests.test_builder import QUESTION_DEFAULTS, base, flashes, latest, start

LIBRARY = Path(__file__).resolve().parent.parent / "questionnaires" / "assessment-system"
HEAD = "direction: assessment-system\nrole: teachers\ntitle: Анкета\nquestions:\n"


def question(index: int, text: str | None = None, options: int = 2) -> str:
    lines = [
        f"  - id: q{index}",
        f"    number: {index}",
        f"    text: {text or f'Питання {index}?'}",
    ]
    lines.append("    options:")
    lines += [f"      - {{id: o{n}, text: Варіант {n}}}" for n in range(options)]
    return "\n".join(lines) + "\n"


def role_file(questions: int) -> str:
    """A role file of ``questions`` one-line questions on the direction's scale (12,000 of
    them: 750 KB, under the 1 MB a file may have)."""
    return HEAD + "".join(
        f"  - {{id: q{index}, number: {index}, text: Питання {index}, scale: degree}}\n"
        for index in range(1, questions + 1)
    )


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "assessment-system"
    target.mkdir()
    shutil.copy(LIBRARY / "direction.yaml", target / "direction.yaml")
    return target


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """Count the questions the validation reads one by one."""
    calls: list[int] = []
    real = definition_schema._check_question
    monkeypatch.setattr(
        definition_schema,
        "_check_question",
        lambda *args: calls.append(1) or real(*args),
    )
    return calls


def test_12000_questions_are_refused_before_any_is_read(app, runner, folder, counted):
    text = role_file(12_000)
    assert 700_000 < len(text.encode()) < 1024 * 1024
    (folder / "teachers.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    assert (
        f"teachers.yaml:4: questions: забагато запитань: 12000 (можна не більше {MAX_QUESTIONS})"
        in (result.output)
    )
    with pytest.raises(DefinitionError) as caught:
        load_questionnaires([folder])
    assert [error.field for error in caught.value.errors] == ["questions"]
    assert counted == []  # the 12,000 questions were never validated one by one
    assert db.session.scalar(select(func.count(Questionnaire.id))) == 0
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_300_questions_are_accepted(app, folder, counted):
    (folder / "teachers.yaml").write_text(role_file(MAX_QUESTIONS), encoding="utf-8")
    load_questionnaires([folder])
    assert db.session.scalar(select(func.count(Question.id))) == MAX_QUESTIONS
    assert len(counted) == MAX_QUESTIONS


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        (question(1, options=MAX_OPTIONS + 1), 8, "questions[q1].options",
         f"забагато варіантів відповіді: {MAX_OPTIONS + 1} (можна не більше {MAX_OPTIONS})"),
        (question(1, text="Я" * 2001), 7, "questions[q1].text",
         "текст задовгий (2001 символів; можна не більше 2000)"),
        (question(1, text='"Питання\\e[31m?"'), 7, "questions[q1].text",
         "недопустимий керівний символ U+001B"),
        (question(1, text='"Питання\\x01?"'), 7, "questions[q1].text",
         "недопустимий керівний символ U+0001"),
        (question(1) + '    instruction: "Вибе\\vріть"\n', 11, "questions[q1].instruction",
         "недопустимий керівний символ U+000B"),
        (question(1).replace("Варіант 1}", '"Варіант\\e"}'), 10, "questions[q1].options[2].text",
         "недопустимий керівний символ U+001B"),
    ],
)  # fmt: skip
def test_the_validation_names_file_line_and_field(app, runner, folder, body, line, field, message):
    (folder / "teachers.yaml").write_text(HEAD + body, encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    assert f"teachers.yaml:{line}: {field}: {message}" in result.output, result.output


def test_a_control_character_in_the_direction_is_refused(app, runner, folder):
    text = (folder / "direction.yaml").read_text(encoding="utf-8")
    (folder / "direction.yaml").write_text(
        text.replace("title: Система оцінювання", 'title: "Система\\e оцінювання', 1).replace(
            "здобувачів освіти\n", 'здобувачів освіти"\n', 1
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    assert "direction.yaml:5: title: недопустимий керівний символ U+001B" in result.output


# --- the builder -------------------------------------------------------------------------------


@pytest.fixture
def campaign(app, school) -> Campaign:
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025")


def test_the_builder_upload_refuses_12000_questions(member_client, campaign, counted):
    start(member_client, campaign, "library")
    before = latest(campaign, "teachers")
    others = sum(len(latest(campaign, role).questions) for role in ("students", "parents"))
    counted.clear()
    # Encoded here: the test client would spool a body this large to a temporary file that
    # nothing closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(role_file(12_000).encode()), "teachers.yaml")})
    )
    member_client.post(
        f"{base(campaign)}/teachers/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert flashes(member_client)[-1] == (
        f"teachers.yaml:4: questions: забагато запитань: 12000 (можна не більше {MAX_QUESTIONS})"
    )
    # Nothing was checked question by question: not the file's, nor the other roles' (the
    # cross-role checks read those from the stored rows).
    assert len(counted) == 0 < others
    after = latest(campaign, "teachers")
    assert (after.id, after.content_hash) == (before.id, before.content_hash)


@pytest.fixture
def full(member_client, campaign) -> Campaign:
    """The campaign's own teachers' questionnaire with exactly MAX_QUESTIONS questions."""
    start(member_client, campaign, "scratch")
    service.save_yaml(
        campaign.direction, "teachers", role_file(MAX_QUESTIONS), None, "upload", "test"
    )
    assert len(latest(campaign, "teachers").questions) == MAX_QUESTIONS
    return campaign


def test_the_builder_cannot_add_a_question_past_the_cap(member_client, full):
    data = {**QUESTION_DEFAULTS, "key": "extra", "number": "999", "text": "Ще одне?",
            "options": "yes | Так\nno | Ні"}  # fmt: skip
    response = member_client.post(f"{base(full)}/teachers/questions/new", data=data)
    assert response.status_code == 422
    assert f"В анкеті вже {MAX_QUESTIONS} запитань: більше додати не можна." in (
        response.get_data(as_text=True)
    )
    member_client.post(f"{base(full)}/teachers/questions/q1/duplicate")
    assert f"В анкеті вже {MAX_QUESTIONS} запитань: більше додати не можна." in flashes(
        member_client
    )
    assert len(latest(full, "teachers").questions) == MAX_QUESTIONS


def test_the_builder_cannot_give_a_question_too_many_options(member_client, campaign):
    start(member_client, campaign, "scratch")
    options = "\n".join(f"o{n} | Варіант {n}" for n in range(MAX_OPTIONS + 1))
    data = {**QUESTION_DEFAULTS, "key": "t1", "number": "1", "text": "Питання?", "options": options}
    response = member_client.post(f"{base(campaign)}/teachers/questions/new", data=data)
    assert response.status_code == 422
    assert f"Варіантів забагато: можна не більше {MAX_OPTIONS}." in response.get_data(as_text=True)
    assert latest(campaign, "teachers").questions == []


@pytest.mark.parametrize("name", ["text", "instruction", "report_lead"])
def test_the_builder_form_refuses_a_control_character(member_client, campaign, name):
    start(member_client, campaign, "scratch")
    data = {**QUESTION_DEFAULTS, "key": "t1", "number": "1", "text": "Питання?",
            "options": "yes | Так\nno | Ні", name: "Текст\x1b[31m"}  # fmt: skip
    response = member_client.post(f"{base(campaign)}/teachers/questions/new", data=data)
    assert response.status_code == 422
    assert "недопустимий керівний символ U+001B" in response.get_data(as_text=True)
    assert latest(campaign, "teachers").questions == []


def test_a_control_character_in_an_option_box_is_refused_by_the_validation(member_client, campaign):
    start(member_client, campaign, "scratch")
    data = {**QUESTION_DEFAULTS, "key": "t1", "number": "1", "text": "Питання?",
            "options": "yes | Так\x0b\nno | Ні"}  # fmt: skip
    response = member_client.post(f"{base(campaign)}/teachers/questions/new", data=data)
    assert response.status_code == 422
    assert "недопустимий керівний символ U+000B" in response.get_data(as_text=True)


def test_an_old_control_character_is_dropped_by_the_next_builder_edit(member_client, campaign):
    start(member_client, campaign, "library")
    teachers = latest(campaign, "teachers")
    db.session.execute(
        update(Question)
        .where(Question.questionnaire_id == teachers.id, Question.key == "t1")
        .values(text="Завдяки чому\x01 ви відстежуєте поступ?")
    )
    db.session.commit()
    response = member_client.post(
        f"{base(campaign)}/teachers/questions/t2/move", data={"step": "1"}
    )
    assert response.status_code == 302
    texts = {q.key: q.text for q in latest(campaign, "teachers").questions}
    assert texts["t1"] == "Завдяки чому ви відстежуєте поступ?"


def test_a_raw_control_character_in_a_file_is_named_with_its_line(app, runner, folder):
    (folder / "teachers.yaml").write_text(HEAD + question(1, text="Питання\x01?"), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    assert "teachers.yaml:7: file: недопустимий керівний символ U+0001" in result.output


def test_the_builder_settings_and_direction_refuse_a_control_character(member_client, campaign):
    start(member_client, campaign, "library")
    before = latest(campaign, "teachers")
    member_client.post(f"{base(campaign)}/teachers/settings", data={"title": "Анкета\x1b[0m"})
    assert flashes(member_client)[-1].startswith("title: недопустимий керівний символ U+001B")
    assert latest(campaign, "teachers").id == before.id
    assert latest(campaign, "teachers").title == before.title
    text = member_client.get(f"{base(campaign)}/direction").get_data(as_text=True)
    assert "Система оцінювання" in text
    direction = campaign.direction.definition
    response = member_client.post(
        f"{base(campaign)}/direction",
        data={"text": 'id: assessment-system\ntitle: "Напрям\\e"\nrequirements: []\n'},
    )
    assert response.status_code == 422
    assert "title: недопустимий керівний символ U+001B" in response.get_data(as_text=True)
    db.session.refresh(campaign.direction)
    assert campaign.direction.definition == direction
