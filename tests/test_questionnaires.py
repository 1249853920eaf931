"""The questionnaire format: validation errors (file, line, field), the idempotent and versioned
loader, the CLI commands and the YAML round trip, on small files written to tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Direction, Option, Question, Questionnaire, RespondentLink, Response
from app.surveys.definitions.library import (
    DefinitionError,
    ValidationError,
    check_files,
    dump_questionnaire,
    load_questionnaires,
    parse_direction,
    parse_role_file,
    validate_paths,
)
from tests.factories import (
    make_campaign,
    make_response,
    positive_option_keys,
    question_requirement,
)

DIRECTION = """\
id: demo
language: uk
title: Демо-напрям
requirements:
  - id: "2.1"
    title: Прозора система оцінювання
    topics:
      - id: criteria
        title: Розуміння критеріїв оцінювання
  - id: "2.2"
    title: Відстеження поступу
scales:
  degree:
    options:
      - {id: full, text: У повній мірі, value: 4}
      - {id: mostly, text: Здебільшого, value: 3}
      - {id: partly, text: Частково, value: 2}
      - {id: none, text: Зовсім ні, value: 1}
  yes_no:
    options:
      - {id: yes, text: Так, value: 2}
      - {id: no, text: Ні, value: 1}
      - {id: dont_know, text: Не знаю}
levels: {high: 80, sufficient: 60, needs_improvement: 40}
"""

TEACHERS = """\
direction: demo
role: teachers
title: Анкета для вчителів
questions:
  - id: t1
    number: 1
    text: Я розумію що таке критерії оцінювання.
    scale: degree
    topic: criteria
    measures: understanding
    report:
      lead: Вчителі впевнені
  - id: t2
    number: 2
    type: multiple
    text: Як учні дізнаються про критерії?
    requirement: "2.2"
    measures: sources
    options:
      - {id: teacher, text: Від учителя}
      - {id: site, text: На сайті}
    translations:
      en: {text: "How do students learn the criteria?", options: {teacher: From the teacher}}
  - id: t3
    number: 3
    type: text
    text: Ваші пропозиції
"""

STUDENTS = """\
direction: demo
role: students
title: Анкета для учнів
questions:
  - id: s1
    number: 1
    text: У якому класі ви навчаєтесь?
    segment: true
    options:
      - {id: g5, text: 5 клас}
      - {id: g6, text: 6 клас}
  - id: s2
    number: 2
    text: Критерії оцінювання мені зрозумілі.
    scale: degree
    topic: criteria
    measures: understanding
  - id: s3
    number: 3
    type: multiple
    text: Звідки ви дізнаєтесь про критерії?
    measures: sources
    options:
      - {id: teacher, text: Від учителя}
      - {id: friends, text: Від друзів}
  - id: s4
    number: 4
    text: Чи доступна вам інформація про критерії?
    scale: yes_no
    topic: criteria
"""

FILES = {"direction.yaml": DIRECTION, "teachers.yaml": TEACHERS, "students.yaml": STUDENTS}


def write_library(root: Path, **overrides: str) -> Path:
    """Write the small direction folder (``overrides``: file stem → new content); return it."""
    folder = root / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in FILES.items():
        (folder / name).write_text(overrides.get(name.removesuffix(".yaml"), content))
    return folder


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Direction, Questionnaire, Question, Option)
    )


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if marker in line)


# --- validation ---------------------------------------------------------------------------------


def test_the_small_library_is_valid(tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    assert check_files([folder]) == (3, [])
    assert check_files([tmp_path]) == (3, [])  # a parent folder: every direction folder inside
    assert validate_paths([folder / "students.yaml"]) == []


def test_validation_error_reads_file_line_field_message() -> None:
    error = ValidationError("demo/teachers.yaml", 12, "questions[t1].scale", "шкала не описана")
    assert str(error) == "demo/teachers.yaml:12: questions[t1].scale: шкала не описана"


# (file, text replaced, replacement, expected field, line marker in the broken file, message part)
BREAKAGES = [
    pytest.param(
        "teachers",
        "title: Анкета для вчителів",
        "title: [Анкета",
        "file",
        "questions:",
        "синтаксису YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        "teachers",
        "    text: Ваші пропозиції\n",
        "",
        "questions[t3].text",
        "id: t3",
        "обов'язкове поле відсутнє",
        id="missing-text",
    ),
    pytest.param(
        "teachers",
        "    type: text\n",
        "    type: text\n    requried: true\n",
        "questions[t3].requried",
        "requried",
        "можливо, «required»",
        id="unknown-key-typo",
    ),
    pytest.param(
        "teachers",
        "id: t3",
        'id: "t3\\n"',
        "questions[3].id",
        'id: "t3',
        "недопустимий ідентифікатор",
        id="question-id-with-a-line-break",  # «$» alone matched before a final line break
    ),
    pytest.param(
        "teachers",
        "id: t3",
        "id: t1",
        "questions[t1].id",
        "id: t1\n    number: 3",
        "вже є",
        id="duplicate-question-id",
    ),
    pytest.param(
        "teachers",
        "number: 3",
        "number: 2",
        "questions[t3].number",
        "number: 2\n    type: text",
        "номер 2",
        id="duplicate-number",
    ),
    pytest.param(
        "teachers",
        "{id: site, text: На сайті}",
        "{id: teacher, text: На сайті}",
        "questions[t2].options[2].id",
        "text: На сайті",
        "вже є",
        id="duplicate-option-id",
    ),
    pytest.param(
        "teachers",
        "scale: degree",
        "scale: degrees",
        "questions[t1].scale",
        "scale: degrees",
        "не описана",
        id="unknown-scale",
    ),
    pytest.param(
        "teachers",
        "topic: criteria",
        "topic: criterion",
        "questions[t1].topic",
        "topic: criterion",
        "не описана",
        id="unknown-topic",
    ),
    pytest.param(
        "teachers",
        'requirement: "2.2"',
        'requirement: "9.9"',
        "questions[t2].requirement",
        "requirement:",
        "не описана",
        id="unknown-requirement",
    ),
    pytest.param(
        "teachers",
        "    type: text\n",
        "    type: text\n    scale: degree2\n",
        "questions[t3].scale",
        "scale: degree2",
        "не має варіантів",
        id="text-with-options",
    ),
    pytest.param(
        "teachers",
        "      - {id: site, text: На сайті}\n",
        "",
        "questions[t2].options",
        "{id: teacher, text: Від учителя}\n    translations",
        "щонайменше два",
        id="one-option",
    ),
    pytest.param(
        "teachers",
        "    type: multiple\n",
        "    type: several\n",
        "questions[t2].type",
        "type: several",
        "невідомий тип",
        id="unknown-type",
    ),
    pytest.param(
        "teachers",
        "number: 1",
        "number: one",
        "questions[t1].number",
        "number: one",
        "ціле число",
        id="number-not-integer",
    ),
    pytest.param(
        "teachers",
        "role: teachers",
        "role: pupils",
        "role",
        "role: pupils",
        "невідома роль",
        id="unknown-role",
    ),
    pytest.param(
        "teachers",
        "direction: demo",
        "direction: other",
        "direction",
        "direction: other",
        "теці напряму",
        id="direction-mismatch",
    ),
    pytest.param(
        "teachers",
        "    scale: degree\n    topic: criteria\n    measures: understanding\n",
        "    scale: degree\n    options: [{id: a, text: A}, {id: b, text: B}]\n",
        "questions[t1].options",
        "options: [",
        "або scale, або options",
        id="scale-and-options",
    ),
    pytest.param(
        "teachers",
        "    topic: criteria\n    measures: understanding\n    report:",
        '    topic: criteria\n    requirement: "2.2"\n    measures: understanding\n    report:',
        "questions[t1].requirement",
        'requirement: "2.2"\n    measures: understanding',
        "належить до вимоги",
        id="topic-requirement-mismatch",
    ),
    pytest.param(
        "teachers",
        "      lead: Вчителі впевнені",
        '      requirement: "2.1"',
        "questions[t1].report.requirement",
        'requirement: "2.1"',
        "зарезервоване",
        id="reserved-report-key",
    ),
    pytest.param(
        "teachers",
        "options: {teacher: From the teacher}",
        "options: {nobody: Nobody}",
        "questions[t2].translations.en.options.nobody",
        "nobody",
        "немає такого варіанта",
        id="translation-of-unknown-option",
    ),
    pytest.param(
        "teachers",
        "    type: multiple\n",
        "    type: multiple\n    segment: true\n",
        "questions[t2].segment",
        "segment: true",
        "сегментом",
        id="segment-not-single",
    ),
    pytest.param(
        "teachers",
        "    text: Я розумію що таке критерії оцінювання.\n",
        "    text: Я розумію що таке критерії оцінювання.\n    text: Дубль\n",
        "questions[t1].text",
        "text: Дубль",
        "двічі",
        id="duplicate-key",
    ),
    pytest.param(
        "teachers",
        "title: Анкета для вчителів",
        "title: &t Анкета\nintro: *t",
        "file",
        "title: &t",
        "не підтримуються",
        id="alias-refused",
    ),
    pytest.param(
        "teachers",
        "    scale: degree\n    topic: criteria\n    measures: understanding\n",
        "    type: multiple\n    scale: degree\n    topic: criteria\n    measures: understanding\n",
        "questions[t1].measures",
        "measures: understanding",
        "не збігається з типом",
        id="measures-type-mismatch",
    ),
    pytest.param(
        "students",
        "{id: teacher, text: Від учителя}",
        "{id: mentor, text: Від ментора}",
        "questions[t2].measures",
        "measures: sources",
        "спільного id",
        id="measures-no-common-option",
    ),
    pytest.param(
        "students",
        "      - {id: g6, text: 6 клас}\n",
        "      - {id: g6, text: 6 клас}\n    measures: grade\n",
        "questions[s1].measures",
        "measures: grade",
        "значень (value)",
        id="measures-nominal-single",
    ),
    pytest.param(
        "direction",
        'id: "2.1"',
        "id: 2.1",
        "requirements[1].id",
        "id: 2.1",
        "у лапки",
        id="unquoted-requirement-id",
    ),
    pytest.param(
        "direction",
        "levels: {high: 80, sufficient: 60",
        "levels: {high: 50, sufficient: 60",
        "levels",
        "levels:",
        "мають спадати",
        id="levels-not-descending",
    ),
    pytest.param(
        "direction",
        "title: Демо-напрям\n",
        "",
        "title",
        "id: demo",
        "обов'язкове",
        id="direction-without-title",
    ),
    pytest.param(
        "direction",
        "      - {id: dont_know, text: Не знаю}",
        "      - {id: dont_know, text: Не знаю, value: 2}",
        "scales.yes_no.options[3].value",
        "{id: dont_know, text: Не знаю, value: 2}",
        "вже має варіант",
        id="scale-duplicate-value",
    ),
]


@pytest.mark.parametrize(("stem", "old", "new", "field", "marker", "message"), BREAKAGES)
def test_a_broken_file_names_file_line_and_field_and_nothing_is_loaded(
    app, tmp_path: Path, stem: str, old: str, new: str, field: str, marker: str, message: str
) -> None:
    text = FILES[f"{stem}.yaml"]
    assert old in text, old
    broken = text.replace(old, new, 1)
    folder = write_library(tmp_path, **{stem: broken})

    errors = validate_paths([folder])

    # a cross-role error is reported on the later file (students.yaml is read first)
    owner = field.removeprefix("questions[")[:1] if field.startswith("questions[") else ""
    expected_stem = {"t": "teachers", "s": "students"}.get(owner, stem)
    marked = broken if expected_stem == stem else FILES[f"{expected_stem}.yaml"]
    expected_line = marked[: marked.index(marker)].count("\n") + 1
    matching = [e for e in errors if e.field == field]
    assert matching, [str(e) for e in errors]
    error = matching[0]
    assert error.file.endswith(f"{expected_stem}.yaml")
    assert error.line == expected_line, str(error)
    assert message in error.message, str(error)
    assert str(error).startswith(f"{error.file}:{expected_line}: {field}: ")

    with pytest.raises(DefinitionError) as raised:
        load_questionnaires([folder])
    assert raised.value.errors == errors
    assert counts() == (0, 0, 0, 0)


def test_a_good_direction_is_not_loaded_when_another_is_broken(app, tmp_path: Path) -> None:
    write_library(tmp_path / "a")
    broken = write_library(tmp_path / "b", teachers=TEACHERS.replace("scale: degree", "scale: x"))
    with pytest.raises(DefinitionError):
        load_questionnaires([tmp_path])
    assert counts() == (0, 0, 0, 0)
    assert any(e.file.endswith("b/demo/teachers.yaml") for e in validate_paths([broken]))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "файл порожній", id="empty"),
        pytest.param("title: Анкета".encode("cp1251"), "UTF-8", id="not-utf8"),
        pytest.param(b"- just\n- a list\n", "словник", id="not-a-mapping"),
        pytest.param(b"# " + b"x" * (1024 * 1024) + b"\n", "завеликий", id="over-1-MB"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    folder = write_library(tmp_path)
    (folder / "teachers.yaml").write_bytes(content)
    errors = validate_paths([folder / "teachers.yaml"])
    assert len(errors) == 1, errors
    assert errors[0].file.endswith("teachers.yaml")
    assert errors[0].line == 1
    assert message in errors[0].message


def test_two_files_for_one_role_are_refused(tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    (folder / "teachers-copy.yaml").write_text(TEACHERS)
    errors = validate_paths([folder])
    assert [(Path(e.file).name, e.line, e.field) for e in errors] == [("teachers.yaml", 2, "role")]
    assert "teachers-copy.yaml" in errors[0].message


def test_a_role_file_without_direction_file(tmp_path: Path) -> None:
    (tmp_path / "teachers.yaml").write_text(TEACHERS)
    errors = validate_paths([tmp_path / "teachers.yaml"])
    assert [(Path(e.file).name, e.field) for e in errors] == [("direction.yaml", "path")]


def test_yes_and_no_stay_option_ids_not_booleans(tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    direction = parse_direction(folder / "direction.yaml")
    assert [o["id"] for o in direction["scales"]["yes_no"]["options"]] == ["yes", "no", "dont_know"]
    assert direction["scales"]["yes_no"]["positive"] == ["yes"]
    assert direction["scales"]["degree"]["positive"] == ["full", "mostly"]
    assert direction["key_gap"] == {"min_difference_pp": 15, "max_p_value": 0.05}
    assert direction["min_group_size"] == 5


def test_parse_role_file_fills_defaults(tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    questionnaire = parse_role_file(folder / "teachers.yaml")
    t1, t2, t3 = questionnaire["questions"]
    assert (t1["type"], t1["required"], t1["instruction"]) == (
        "single",
        True,
        "Виберіть лише один варіант.",
    )
    assert (t2["required"], t2["instruction"]) == (False, "Виберіть усе, що підходить.")
    assert (t3["required"], t3["instruction"], t3["options"]) == (False, None, [])
    assert t1["requirement"] == "2.1"  # via its topic
    assert [o["value"] for o in t1["options"]] == [4, 3, 2, 1]
    with pytest.raises(DefinitionError) as raised:
        parse_role_file(
            folder / "teachers.yaml", {**parse_direction(folder / "direction.yaml"), "scales": {}}
        )
    assert raised.value.errors[0].field == "questions[t1].scale"


# --- loading ------------------------------------------------------------------------------------


def snapshot() -> dict:
    rows = db.session.scalars(select(Questionnaire).order_by(Questionnaire.id)).all()
    return {
        q.id: (
            q.role,
            q.version,
            q.content_hash,
            q.created_at,
            [(x.id, x.key, [(o.id, o.key, o.value) for o in x.options]) for x in q.questions],
        )
        for q in rows
    }


def test_loading_twice_changes_nothing(app, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    first = load_questionnaires([folder])
    assert [(Path(f.path).name, f.outcome, f.version) for f in first.files] == [
        ("direction.yaml", "created", None),
        ("students.yaml", "created", 1),
        ("teachers.yaml", "created", 1),
    ]
    direction = Direction.library("demo")
    before = (direction.id, direction.content_hash, direction.updated_at, snapshot(), counts())
    db.session.expire_all()

    second = load_questionnaires([folder])

    assert second.count("unchanged") == 3 and not second.changed
    direction = Direction.library("demo")
    assert (
        direction.id,
        direction.content_hash,
        direction.updated_at,
        snapshot(),
        counts(),
    ) == before
    assert counts() == (1, 2, 7, 17)


def test_loaded_rows_carry_every_field(app, tmp_path: Path) -> None:
    load_questionnaires([write_library(tmp_path)])
    direction = Direction.library("demo")
    assert direction.title == "Демо-напрям" and direction.language == "uk"
    assert [r["id"] for r in direction.requirements] == ["2.1", "2.2"]
    assert direction.definition["levels"] == {"high": 80, "sufficient": 60, "needs_improvement": 40}
    teachers = Questionnaire.latest(direction.id, "teachers")
    t1, t2, t3 = teachers.questions
    assert (t1.key, t1.number, t1.position, t1.type, t1.scale, t1.topic, t1.measures) == (
        "t1",
        1,
        1,
        "single",
        "degree",
        "criteria",
        "understanding",
    )
    assert t1.report == {"lead": "Вчителі впевнені"}
    assert [(o.key, o.text, o.value, o.position) for o in t1.options][0] == (
        "full",
        "У повній мірі",
        4,
        1,
    )
    assert (t2.topic, t2.report, question_requirement(t2, direction)) == (
        None,
        {"requirement": "2.2"},
        "2.2",
    )
    assert question_requirement(t1, direction) == "2.1"
    assert t2.translations == {
        "en": {
            "text": "How do students learn the criteria?",
            "options": {"teacher": "From the teacher"},
        }
    }
    assert [o.translations for o in t2.options] == [{"en": "From the teacher"}, None]
    assert (t3.type, t3.required, t3.options) == ("text", False, [])
    students = Questionnaire.latest(direction.id, "students")
    grade = students.questions[0]
    assert grade.segment and grade.required and [o.value for o in grade.options] == [None, None]
    assert positive_option_keys(t1, direction) == {"full", "mostly"}
    assert positive_option_keys(students.questions[3], direction) == {"yes"}
    assert positive_option_keys(grade, direction) == set()


def test_an_edit_without_responses_updates_in_place(app, tmp_path: Path, school) -> None:
    folder = write_library(tmp_path)
    load_questionnaires([folder])
    direction = Direction.library("demo")
    teachers = Questionnaire.latest(direction.id, "teachers")
    # a campaign exists but nobody answered yet
    campaign = make_campaign(school, direction, {"teachers": teachers})
    teachers_id = teachers.id

    (folder / "teachers.yaml").write_text(TEACHERS.replace("Ваші пропозиції", "Ваші ідеї"))
    summary = load_questionnaires([folder])

    assert [(Path(f.path).name, f.outcome, f.version) for f in summary.files][1:] == [
        ("students.yaml", "unchanged", 1),
        ("teachers.yaml", "updated", 1),
    ]
    db.session.expire_all()
    teachers = Questionnaire.latest(direction.id, "teachers")
    assert teachers.id == teachers_id and teachers.version == 1
    assert teachers.questions[2].text == "Ваші ідеї"
    assert counts() == (1, 2, 7, 17)
    assert campaign.link_for("teachers").questionnaire_id == teachers_id


def test_an_edit_with_responses_makes_a_new_version(app, tmp_path: Path, school) -> None:
    folder = write_library(tmp_path)
    load_questionnaires([folder])
    direction = Direction.library("demo")
    v1 = Questionnaire.latest(direction.id, "teachers")
    answered = make_campaign(school, direction, {"teachers": v1}, year="2024-2025")
    waiting = make_campaign(school, direction, {"teachers": v1}, year="2025-2026")
    response = make_response(answered, "teachers", {"t1": "full", "t2": ["site"]})
    v1_id, v1_question_ids = v1.id, [q.id for q in v1.questions]

    changed = TEACHERS.replace(
        "      - {id: site, text: На сайті}\n", "      - {id: site, text: На сайті школи}\n"
    )
    (folder / "teachers.yaml").write_text(changed)
    summary = load_questionnaires([folder])

    outcome = summary.files[-1]
    assert (outcome.outcome, outcome.version, outcome.moved_links) == ("new_version", 2, 1)
    db.session.expire_all()
    v2 = Questionnaire.latest(direction.id, "teachers")
    assert v2.id != v1_id and v2.version == 2
    assert v2.questions[1].options[1].text == "На сайті школи"
    v1 = db.session.get(Questionnaire, v1_id)
    assert [q.id for q in v1.questions] == v1_question_ids
    assert v1.questions[1].options[1].text == "На сайті"
    assert db.session.get(Response, response.id).questionnaire_id == v1_id
    links = {
        link.campaign_id: link.questionnaire_id
        for link in db.session.scalars(select(RespondentLink))
    }
    assert links == {answered.id: v1_id, waiting.id: v2.id}

    # loading the same files again changes nothing; an edit of v2 (no responses) is in place
    assert not load_questionnaires([folder]).changed
    (folder / "teachers.yaml").write_text(changed.replace("Ваші пропозиції", "Пропозиції"))
    assert load_questionnaires([folder]).files[-1].outcome == "updated"
    db.session.expire_all()
    assert Questionnaire.latest(direction.id, "teachers").id == v2.id
    assert (
        db.session.scalar(
            select(func.count(Questionnaire.id)).where(Questionnaire.role == "teachers")
        )
        == 2
    )


def test_a_changed_scale_changes_the_questionnaires_that_use_it(app, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    load_questionnaires([folder])
    (folder / "direction.yaml").write_text(DIRECTION.replace("text: Частково", "text: Почасти"))
    summary = load_questionnaires([folder])
    assert [f.outcome for f in summary.files] == ["updated", "updated", "updated"]
    direction = Direction.library("demo")
    t1 = Questionnaire.latest(direction.id, "teachers").questions[0]
    assert t1.options[2].text == "Почасти"


def test_a_single_role_file_loads_with_its_direction(app, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    summary = load_questionnaires([folder / "students.yaml"])
    assert [(Path(f.path).name, f.outcome) for f in summary.files] == [
        ("direction.yaml", "created"),
        ("students.yaml", "created"),
    ]
    assert counts()[:2] == (1, 1)


def test_the_default_path_is_the_configured_library(app, tmp_path: Path) -> None:
    write_library(tmp_path)
    app.config["ANKETA_QUESTIONNAIRES_DIR"] = str(tmp_path)
    assert load_questionnaires().count("created") == 3


def test_dump_round_trips(app, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    load_questionnaires([folder])
    direction = Direction.library("demo")
    for role in ("teachers", "students"):
        stored = Questionnaire.latest(direction.id, role)
        copy = tmp_path / "copy" / f"{role}.yaml"
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(dump_questionnaire(stored))
        original = parse_role_file(folder / f"{role}.yaml")
        assert parse_role_file(copy, direction.definition) == original
    # the dumped files load as "unchanged"
    (tmp_path / "copy" / "direction.yaml").write_text(DIRECTION)
    dumped = tmp_path / "copy" / "teachers.yaml"
    assert "instruction" not in dumped.read_text().split("id: t3")[1]
    summary = load_questionnaires([tmp_path / "copy"])
    assert [f.outcome for f in summary.files] == ["unchanged", "unchanged", "unchanged"]


# --- the commands -------------------------------------------------------------------------------


def test_check_command_ok(runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["questionnaires", "check", str(write_library(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output == "OK: 3 files\n"


def test_check_command_prints_each_error_and_fails(runner, tmp_path: Path) -> None:
    folder = write_library(
        tmp_path,
        teachers=TEACHERS.replace("scale: degree", "scale: x").replace("role: teachers", "role: t"),
    )
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith(
        "teachers.yaml:2: role: невідома роль «t» (допустимі: teachers, students, parents)"
    )
    scale_line = line_of(TEACHERS, "scale: degree")
    assert f"teachers.yaml:{scale_line}: questions[t1].scale: шкала «x» не описана" in lines[1]
    assert "знайдено помилок: 2" in lines[-1]


def test_load_command_prints_a_summary(runner, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    result = runner.invoke(args=["questionnaires", "load", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Разом файлів: 3; створено: 3, оновлено: 0, нових версій: 0, без змін: 0."
    )
    assert "створено: " in result.output and "teachers.yaml (версія 1)" in result.output
    broken = write_library(tmp_path / "x", students="role: [")
    result = runner.invoke(args=["questionnaires", "load", str(broken)])
    assert result.exit_code == 1
    assert "нічого не завантажено" in result.output


def run_anketa(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test"}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["check", "load"])
def test_a_missing_path_gives_one_line_and_non_zero_exit(
    migrated_database: str, tmp_path: Path, command: str
) -> None:
    result = run_anketa(["questionnaires", command, str(tmp_path / "nope")], migrated_database)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"Помилка: файл або теку не знайдено: {tmp_path / 'nope'}\n"


def test_check_exit_codes_as_a_script(migrated_database: str, tmp_path: Path) -> None:
    folder = write_library(tmp_path)
    ok = run_anketa(["questionnaires", "check", str(folder)], migrated_database)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "OK: 3 files\n", "")
    (folder / "students.yaml").write_text(STUDENTS.replace("number: 4", "number: 2"))
    bad = run_anketa(["questionnaires", "check", str(folder)], migrated_database)
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        f"{folder / 'students.yaml'}:{line_of(STUDENTS, 'number: 4')}: questions[s4].number: "
        f"номер 2 вже має інше запитання (рядок {line_of(STUDENTS, 'number: 2')})"
    ]
    assert bad.stderr == "Помилка: знайдено помилок: 1\n"
    assert "Traceback" not in bad.stderr


def test_a_broken_direction_does_not_cascade_into_its_role_files(tmp_path: Path) -> None:
    folder = write_library(tmp_path, direction=DIRECTION.replace('id: "2.1"', "id: 2.1"))
    errors = validate_paths([folder])
    assert [(Path(e.file).name, e.field) for e in errors] == [
        ("direction.yaml", "requirements[1].id")
    ]


def test_python_tags_are_refused(tmp_path: Path) -> None:
    folder = write_library(
        tmp_path,
        teachers=TEACHERS.replace(
            "title: Анкета для вчителів", "title: !!python/object/apply:os.getcwd []"
        ),
    )
    errors = validate_paths([folder])
    assert [(Path(e.file).name, e.line, e.field) for e in errors] == [("teachers.yaml", 3, "file")]
    assert errors[0].message.startswith("помилка синтаксису YAML")


def test_a_school_copy_is_separate_from_the_library(app, tmp_path: Path, school) -> None:
    folder = write_library(tmp_path)
    load_questionnaires([folder])
    (folder / "teachers.yaml").write_text(TEACHERS.replace("Ваші пропозиції", "Ідеї школи"))
    summary = load_questionnaires([folder], school=school)
    assert [f.outcome for f in summary.files] == ["created", "created", "created"]
    library = Direction.library("demo")
    own = db.session.scalar(select(Direction).where(Direction.school_id == school.id))
    assert own.code == "demo" and own.id != library.id
    assert Questionnaire.latest(library.id, "teachers").questions[2].text == "Ваші пропозиції"
    assert Questionnaire.latest(own.id, "teachers").questions[2].text == "Ідеї школи"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(FILES)),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(["", "x", ":", "- ", "  ", "\n", "{", "]", "'", "&a ", "*a", "null", "1.5"]),
)
@example("direction.yaml", 6651, "")  # once reported an error in students.yaml: line of that file
def test_any_edit_gives_errors_never_an_exception(name: str, position: int, insert: str) -> None:
    with tempfile.TemporaryDirectory() as root:
        folder = write_library(Path(root))
        text = FILES[name]
        cut = position % (len(text) + 1)
        broken = text[:cut] + insert + text[cut + 1 :]
        (folder / name).write_text(broken)
        errors = validate_paths([folder])
    # An edit of direction.yaml may surface errors in the role files (a scale or topic gone):
    # each error's line must lie within the file it names.
    line_counts = {other: FILES[other].count("\n") + 2 for other in FILES}
    line_counts[name] = broken.count("\n") + 2
    for error in errors:
        assert isinstance(error, ValidationError)
        assert 0 < error.line <= line_counts[Path(error.file).name], str(error)
        assert error.field and error.message
