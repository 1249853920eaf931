"""The questionnaire builder through the Flask test client: own questionnaires from scratch or
from the library, each question type, reorder, duplicate, delete, construct links, preview,
answering through /s/<token>, versioning after responses, YAML download/upload, the direction's
requirements and topics, permissions and the history of changes."""

from __future__ import annotations

import html
import io
import re

import pytest
import yaml
from flask import g
from sqlalchemy import func, select

from app.builder import service
from app.extensions import db
from app.models import Campaign, Direction, Questionnaire, QuestionnaireChange, Response
from app.staff.services import create_campaign
from app.surveys.definitions.library import (
    content_hash,
    dump_questionnaire,
    load_questionnaires,
    parse_role_text,
)
from app.vocabulary import ROLES
from tests import factories
from tests.counting import counted

CONFIRM = {"confirm": "1"}  # what the delete confirmation page posts


@pytest.fixture
def campaign(app, school) -> Campaign:
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025")


def base(campaign: Campaign) -> str:
    """The editor of the school's copy the campaign uses (after :func:`start`)."""
    return f"/schools/{campaign.school.slug}/directions/{campaign.direction_id}/questionnaires"


def campaign_page(campaign: Campaign) -> str:
    """The campaign's questionnaires page (and the start of own questionnaires)."""
    return f"/campaigns/{campaign.id}/questionnaires"


@pytest.fixture
def own(campaign) -> Campaign:
    """The campaign on the school's own copy of the library's questionnaires."""
    service.start_own_questionnaires(campaign, None, "library")
    return campaign


def latest(campaign: Campaign, role: str) -> Questionnaire:
    db.session.expire_all()
    questionnaire = Questionnaire.latest(campaign.direction_id, role)
    assert questionnaire is not None
    return questionnaire


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


QUESTION_DEFAULTS = {
    "type": "single",
    "instruction": "",
    "topic": "",
    "requirement": "",
    "scale": "",
    "options": "",
    "measures": "",
    "report_lead": "",
}


def add_question(client, campaign: Campaign, role: str, **fields) -> object:
    data = {**QUESTION_DEFAULTS, **fields}
    data = {key: value for key, value in data.items() if value is not False}
    return client.post(f"{base(campaign)}/{role}/questions/new", data=data)


def start(client, campaign: Campaign, source: str) -> None:
    response = client.post(f"{campaign_page(campaign)}/start", data={"source": source})
    assert response.status_code == 302
    db.session.expire_all()
    assert response.headers["Location"].endswith(f"{base(campaign)}/")


def build_teachers(client, campaign: Campaign) -> None:
    """From scratch: one question of each type (t1 single on a scale, t2 multiple with own
    options, t3 text)."""
    start(client, campaign, "scratch")
    response = add_question(
        client,
        campaign,
        "teachers",
        key="t1",
        number="1",
        text="Я розумію, що таке критерії оцінювання.",
        scale="degree",
        topic="criteria_understanding",
        measures="criteria_understanding",
        required="y",
        report_lead="Учителі розуміють критерії",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = add_question(
        client,
        campaign,
        "teachers",
        key="t2",
        number="2",
        type="multiple",
        text="Де Ви розміщуєте критерії?",
        options="board | На дошці\nsite | На сайті школи, у соцмережах\nnone | Ніде",
        topic="criteria_informing",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = add_question(
        client, campaign, "teachers", key="t3", number="3", type="text", text="Ваші пропозиції"
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_scratch_builds_each_question_type_and_stores_them(member_client, campaign):
    build_teachers(member_client, campaign)
    db.session.refresh(campaign)
    assert campaign.direction.school_id == campaign.school_id
    assert campaign.direction.code == "assessment-system"
    teachers = latest(campaign, "teachers")
    assert campaign.link_for("teachers").questionnaire_id == teachers.id
    assert teachers.version == 1
    rows = [
        (q.key, q.number, q.type, q.required, q.scale, q.topic, q.measures)
        for q in teachers.questions
    ]
    assert rows == [
        ("t1", 1, "single", True, "degree", "criteria_understanding", "criteria_understanding"),
        ("t2", 2, "multiple", False, None, "criteria_informing", None),
        ("t3", 3, "text", False, None, None, None),
    ]
    t1, t2, _t3 = teachers.questions
    assert [(o.key, o.value) for o in t1.options] == [
        ("full", 4),
        ("mostly", 3),
        ("partly", 2),
        ("none", 1),
    ]
    assert [o.text for o in t2.options] == ["На дошці", "На сайті школи, у соцмережах", "Ніде"]
    assert t1.report == {"lead": "Учителі розуміють критерії"}
    assert t1.requirement == "2.1"
    assert t1.instruction is None and t2.instruction is None  # posted empty: no instruction
    # Students and parents start empty; the library stays as it was.
    assert latest(campaign, "students").questions == []
    library = Direction.library("assessment-system")
    assert len(Questionnaire.latest(library.id, "teachers").questions) == 9


def test_reorder_with_buttons_renumbers_a_sequential_questionnaire(member_client, campaign):
    build_teachers(member_client, campaign)
    response = member_client.post(
        f"{base(campaign)}/teachers/questions/t3/move", data={"step": "-1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base(campaign)}/teachers")
    teachers = latest(campaign, "teachers")
    assert [(q.key, q.number, q.position) for q in teachers.questions] == [
        ("t1", 1, 1),
        ("t3", 2, 2),
        ("t2", 3, 3),
    ]
    member_client.post(f"{base(campaign)}/teachers/questions/t1/move", data={"step": "-1"})
    assert [q.key for q in latest(campaign, "teachers").questions] == ["t1", "t3", "t2"]
    assert (
        member_client.post(
            f"{base(campaign)}/teachers/questions/t1/move", data={"step": "7"}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("numbers", "key", "step", "expected"),
    [
        ([7, 2, 9], "b", 1, [("a", 7), ("c", 9), ("b", 2)]),  # seed numbers are kept
        ([7, 2, 9], "a", -1, [("a", 7), ("b", 2), ("c", 9)]),  # already first
        ([1, 2, 3], "c", -1, [("a", 1), ("c", 2), ("b", 3)]),  # 1, 2, 3… stays so
        ([1, 2, 3], "c", 1, [("a", 1), ("b", 2), ("c", 3)]),  # already last
    ],
)
def test_move_question_keeps_custom_numbers(numbers, key, step, expected):
    document = {"questions": [{"id": k, "number": n} for k, n in zip("abc", numbers, strict=True)]}
    service.move_question(document, key, step)
    assert [(q["id"], q["number"]) for q in document["questions"]] == expected


def test_duplicate_and_delete(member_client, campaign):
    build_teachers(member_client, campaign)
    member_client.post(f"{base(campaign)}/teachers/questions/t2/duplicate")
    teachers = latest(campaign, "teachers")
    assert [(q.key, q.number) for q in teachers.questions] == [
        ("t1", 1),
        ("t2", 2),
        ("t4", 4),
        ("t3", 3),
    ]
    copy = teachers.questions[2]
    assert (copy.text, [o.key for o in copy.options]) == (
        "Де Ви розміщуєте критерії?",
        ["board", "site", "none"],
    )
    member_client.post(f"{base(campaign)}/teachers/questions/t1/duplicate")
    assert latest(campaign, "teachers").questions[1].measures is None  # a construct is one question
    member_client.post(f"{base(campaign)}/teachers/questions/t2/delete", data=CONFIRM)
    assert [q.key for q in latest(campaign, "teachers").questions] == ["t1", "t5", "t4", "t3"]
    assert (
        member_client.post(
            f"{base(campaign)}/teachers/questions/zz/delete", data=CONFIRM
        ).status_code
        == 302
    )
    assert "Запитання не знайдено." in flashes(member_client)


def test_link_a_construct_with_suggestions_and_check_it(member_client, campaign):
    build_teachers(member_client, campaign)
    page = member_client.get(f"{base(campaign)}/students/questions/new").get_data(as_text=True)
    # Before any text: the constructs the other roles already measure.
    assert "<code>criteria_understanding</code>" in page
    response = add_question(
        member_client,
        campaign,
        "students",
        key="s1",
        number="1",
        text="Я розумію, що таке критерії оцінювання.",
        options="yes | Так | 2\nno | Ні | 1",
        measures="criteria_wrong",
    )
    assert response.status_code == 302
    edit = member_client.get(f"{base(campaign)}/students/questions/s1").get_data(as_text=True)
    assert 'id="measures-candidates"' in edit
    suggestions = edit.split('id="measures-candidates"')[1].split("</ul>")[0]
    assert "Я розумію, що таке критерії оцінювання." in suggestions
    assert "criteria_understanding" in suggestions
    # A link to a multiple-choice construct of another type is refused with the loader's words.
    response = member_client.post(
        f"{base(campaign)}/teachers/questions/t2",
        data={**QUESTION_DEFAULTS, "key": "t2", "number": "2", "type": "multiple",
              "text": "Де Ви розміщуєте критерії?", "options": "board | На дошці\nnone | Ніде",
              "measures": "criteria_wrong"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "«criteria_wrong»: тип single не збігається з типом multiple запитання «t2»" in (
        response.get_data(as_text=True)
    )
    response = member_client.post(
        f"{base(campaign)}/students/questions/s1",
        data={**QUESTION_DEFAULTS, "key": "s1", "number": "1", "text": "Я розумію критерії.",
              "options": "yes | Так\nno | Ні", "measures": "criteria_understanding"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "«criteria_understanding»: для порівняння варіанти потребують значень" in (
        response.get_data(as_text=True)
    )
    response = member_client.post(
        f"{base(campaign)}/students/questions/s1",
        data={**QUESTION_DEFAULTS, "key": "s1", "number": "1", "text": "Я розумію критерії.",
              "scale": "degree", "measures": "criteria_understanding", "required": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    assert latest(campaign, "students").questions[0].measures == "criteria_understanding"


@pytest.mark.parametrize(
    ("kind", "instruction", "stored"),
    [
        ("text", "Виберіть лише один варіант.", None),  # the form's default, type changed
        ("multiple", "Виберіть лише один варіант.", "Виберіть усе, що підходить."),
        ("single", "Виберіть лише один варіант.", "Виберіть лише один варіант."),
        ("multiple", "Позначте до трьох варіантів.", "Позначте до трьох варіантів."),
        ("single", "", None),
    ],
)
def test_instruction_follows_the_type_unless_written(
    member_client, campaign, kind, instruction, stored
):
    start(member_client, campaign, "scratch")
    options = "" if kind == "text" else "a | Перший\nb | Другий"
    response = add_question(
        member_client, campaign, "parents", key="p1", number="1", text="Запитання",
        type=kind, instruction=instruction, options=options,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    assert latest(campaign, "parents").questions[0].instruction == stored


def test_form_errors_are_shown_and_nothing_is_stored(member_client, campaign):
    build_teachers(member_client, campaign)
    response = add_question(
        member_client, campaign, "teachers", key="t1", number="9", text="Дубль", scale="degree"
    )
    assert response.status_code == 422
    assert "запитання з id «t1» вже є" in response.get_data(as_text=True)
    response = add_question(
        member_client, campaign, "teachers", key="t9", number="9", text="Без варіантів"
    )
    assert response.status_code == 422
    assert "запитання типу single потребує scale або options" in response.get_data(as_text=True)
    response = add_question(
        member_client, campaign, "teachers", key="t9", number="9", text="X", options="лише текст"
    )
    assert response.status_code == 422
    assert "Варіанти, рядок 1" in response.get_data(as_text=True)
    assert len(latest(campaign, "teachers").questions) == 3


def test_preview_shows_the_questionnaire_as_the_respondent_sees_it(member_client, campaign):
    build_teachers(member_client, campaign)
    member_client.post(
        f"{base(campaign)}/teachers/settings",
        data={"title": "Анкета для вчителів гімназії", "intro": "Дякуємо!"},
    )
    response = member_client.get(f"{base(campaign)}/teachers/preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Анкета для вчителів гімназії</h1>" in page
    assert "Дякуємо!" in page
    legends = [(n, t.strip()) for n, t in re.findall(r"<legend>(\d+)\. ([^<]+)", page)]
    assert legends == [
        ("1", "Я розумію, що таке критерії оцінювання."),
        ("2", "Де Ви розміщуєте критерії?"),
        ("3", "Ваші пропозиції"),
    ]
    assert page.count('type="radio" name="q-t1"') == 4
    assert page.count('type="checkbox" name="q-t2"') == 3
    assert '<textarea name="q-t3"' in page
    assert "(обов&#39;язкове)" in page or "(обов'язкове)" in page
    assert 'name="viewport"' in page


def answer(client, campaign: Campaign, role: str, answers: dict):
    token = campaign.link_for(role).token
    form = client.get(f"/s/{token}").get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', form).group(1)
    data = {"submission_id": submission, **answers}
    response = client.post(f"/s/{token}", data=data)
    return form, response


def test_answer_it_then_edit_makes_version_2_and_old_response_stays_on_version_1(
    member_client, campaign
):
    build_teachers(member_client, campaign)
    page, response = answer(
        member_client,
        campaign,
        "teachers",
        {"q-t1": "mostly", "q-t2": ["board", "site"], "q-t3": "Більше прикладів"},
    )
    assert "Я розумію, що таке критерії оцінювання." in page
    assert response.status_code == 303
    version_1 = latest(campaign, "teachers")
    stored = db.session.scalar(select(Response))
    assert stored.questionnaire_id == version_1.id

    editor = member_client.get(f"{base(campaign)}/teachers").get_data(as_text=True)
    assert "створить нову версію 2" in editor
    response = member_client.post(
        f"{base(campaign)}/teachers/questions/t1",
        data={**QUESTION_DEFAULTS, "key": "t1", "number": "1", "scale": "degree",
              "text": "Я знаю критерії оцінювання.", "required": "y",
              "topic": "criteria_understanding", "measures": "criteria_understanding"},
    )  # fmt: skip
    assert response.status_code == 302
    assert any("нову версію 2" in message for message in flashes(member_client))
    version_2 = latest(campaign, "teachers")
    assert (version_2.version, version_2.questions[0].text) == (2, "Я знаю критерії оцінювання.")
    db.session.refresh(stored)
    assert stored.questionnaire_id == version_1.id
    assert version_1.questions[0].text == "Я розумію, що таке критерії оцінювання."
    # The campaign keeps collecting on version 1 (it has responses), and reports against it.
    assert campaign.link_for("teachers").questionnaire_id == version_1.id
    result = counted(campaign).question("teachers", "t1")
    assert (result.text, result.answered) == ("Я розумію, що таке критерії оцінювання.", 1)
    assert result.option("mostly").count == 1
    # A second edit changes version 2 in place: no responses there yet.
    member_client.post(f"{base(campaign)}/teachers/questions/t3/delete", data=CONFIRM)
    assert latest(campaign, "teachers").version == 2
    changes = db.session.scalars(select(QuestionnaireChange).order_by(QuestionnaireChange.id)).all()
    assert [(c.role, c.version, c.action) for c in changes][-3:] == [
        ("teachers", 1, "add_question"),
        ("teachers", 2, "edit_question"),
        ("teachers", 2, "delete_question"),
    ]


def test_yaml_download_upload_round_trips(member_client, campaign, school):
    build_teachers(member_client, campaign)
    response = member_client.get(f"{base(campaign)}/teachers.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="teachers.yaml"'
    text = response.get_data(as_text=True)
    document = yaml.safe_load(text)
    assert [q["id"] for q in document["questions"]] == ["t1", "t2", "t3"]
    teachers = latest(campaign, "teachers")
    parsed = parse_role_text(text, "teachers.yaml", campaign.direction.definition)
    assert content_hash(parsed) == teachers.content_hash

    # Upload into another school's own questionnaires: the same definition.
    other_school = factories.make_school("school-b", "Ліцей №2")
    other = create_campaign(other_school, "assessment-system", "2024-2025")
    member_b = factories.make_user("member@b.ua", role="member", school=other_school)
    client_b = member_client.application.test_client()
    # The test's app context outlives requests: forget the user Flask-Login cached in ``g``.
    g.pop("_login_user", None)
    factories.login(client_b, member_b.email)
    start(client_b, other, "scratch")
    upload = client_b.post(
        f"{base(other)}/teachers/upload",
        data={"file": (io.BytesIO(text.encode()), "teachers.yaml")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    copied = latest(other, "teachers")
    assert copied.content_hash == teachers.content_hash
    assert dump_questionnaire(copied) == text
    assert copied.direction.school_id == other_school.id
    # The same file again: nothing changes.
    client_b.post(
        f"{base(other)}/teachers/upload",
        data={"file": (io.BytesIO(text.encode()), "teachers.yaml")},
        content_type="multipart/form-data",
    )
    assert "Змін немає." in flashes(client_b)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("questions: [", "teachers.yaml:2: file: помилка синтаксису YAML"),
        (
            "direction: assessment-system\nrole: teachers\ntitle: T\nquestions:\n"
            "  - id: t1\n    number: 1\n    text: A\n    scale: nope\n",
            "teachers.yaml:8: questions[t1].scale: шкала «nope» не описана в direction.yaml",
        ),
        (
            "direction: assessment-system\nrole: parents\ntitle: T\nquestions:\n"
            "  - id: p1\n    number: 1\n    text: A\n    type: text\n",
            "Файл містить анкету для ролі «parents», а не «teachers».",
        ),
    ],
)
def test_upload_errors_use_the_check_command_words(member_client, campaign, content, message):
    build_teachers(member_client, campaign)
    before = latest(campaign, "teachers").content_hash
    member_client.post(
        f"{base(campaign)}/teachers/upload",
        data={"file": (io.BytesIO(content.encode()), "teachers.yaml")},
        content_type="multipart/form-data",
    )
    assert any(m.startswith(message) for m in flashes(member_client)), flashes(member_client)
    assert latest(campaign, "teachers").content_hash == before


def test_library_copy_is_editable_and_the_library_is_not(member_client, campaign):
    # The library's direction is no school's copy: the editor does not exist for it.
    response = member_client.post(f"{base(campaign)}/teachers/questions/t7/delete", data=CONFIRM)
    assert response.status_code == 404
    with pytest.raises(service.BuilderError, match="Анкети бібліотеки не редагуються"):
        service.edit(campaign.direction, "teachers", None, "x", "x", lambda document: None)
    start(member_client, campaign, "library")
    db.session.refresh(campaign)
    own = latest(campaign, "teachers")
    library = Questionnaire.latest(Direction.library("assessment-system").id, "teachers")
    assert own.id != library.id and own.content_hash == library.content_hash
    assert campaign.link_for("teachers").questionnaire_id == own.id
    member_client.post(f"{base(campaign)}/teachers/questions/t7/delete", data=CONFIRM)
    assert "t7" not in [q.key for q in latest(campaign, "teachers").questions]
    assert "t7" in [q.key for q in library.questions]
    again = member_client.post(f"{campaign_page(campaign)}/start", data={"source": "library"})
    assert again.status_code == 302
    assert "Ця кампанія вже має власні анкети закладу." in flashes(member_client)


def test_own_questionnaires_are_refused_after_responses(member_client, campaign):
    link = campaign.link_for("parents")
    answers = {q.key: q.options[0].key for q in link.questionnaire.questions if q.required}
    from app.surveys.respondent.service import store_response

    store_response(link, answers, factories.submission_id_for(link))
    member_client.post(f"{campaign_page(campaign)}/start", data={"source": "scratch"})
    assert any("вже має відповіді" in m for m in flashes(member_client))
    db.session.refresh(campaign)
    assert campaign.direction.school_id is None


def test_direction_requirements_and_topics_are_edited_and_checked(member_client, campaign):
    build_teachers(member_client, campaign)
    page = member_client.get(f"{base(campaign)}/direction")
    text = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page.get_data(as_text=True), re.S)
    current = html.unescape(text.group(1))
    edited = current.replace(
        "title: Розуміння критеріїв оцінювання", "title: Чи зрозумілі критерії"
    )
    assert edited != current
    response = member_client.post(f"{base(campaign)}/direction", data={"text": edited})
    assert response.status_code == 302
    db.session.refresh(campaign)
    topics = {t["id"]: t["title"] for r in campaign.direction.requirements for t in r["topics"]}
    assert topics["criteria_understanding"] == "Чи зрозумілі критерії"
    # Removing a topic that a question uses is refused with the question's error.
    broken = current.replace("id: criteria_understanding", "id: criteria_clear")
    response = member_client.post(f"{base(campaign)}/direction", data={"text": broken})
    assert response.status_code == 422
    assert "questions[t1].topic: тема «criteria_understanding» не описана в direction.yaml" in (
        response.get_data(as_text=True)
    )
    db.session.refresh(campaign)
    assert "criteria_understanding" in {
        t["id"] for r in campaign.direction.requirements for t in r["topics"]
    }
    library = Direction.library("assessment-system")
    assert "Розуміння критеріїв оцінювання" in str(library.definition)


def test_history_records_who_and_what(member_client, campaign, member):
    build_teachers(member_client, campaign)
    page = member_client.get(f"{base(campaign)}/teachers").get_data(as_text=True)
    assert "Історія змін" in page
    assert "Додано запитання t3" in page and member.email in page
    changes = db.session.scalars(select(QuestionnaireChange)).all()
    assert {c.user_id for c in changes} == {member.id}
    assert all(c.created_at.tzinfo is not None for c in changes)
    assert sorted(c.action for c in changes) == sorted(["start_scratch"] * 3 + ["add_question"] * 3)


def url(campaign: Campaign, path: str) -> str:
    """``path`` on the campaign's page (``/start``, ``/``) or on the copy's editor."""
    return campaign_page(campaign) + path if path in ("/start", "/") else base(campaign) + path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/start"),
        ("get", "/teachers/questions/new"),
        ("post", "/teachers/questions/t7/delete"),
        ("post", "/teachers/upload"),
        ("get", "/direction"),
    ],
)
def test_directors_may_not_edit(director_client, own, method, path):
    response = getattr(director_client, method)(url(own, path))
    assert response.status_code == 403


def test_directors_may_look(director_client, own):
    assert director_client.get(f"{campaign_page(own)}/").status_code == 200
    assert director_client.get(f"{base(own)}/").status_code == 200
    assert director_client.get(f"{base(own)}/teachers").status_code == 200
    assert director_client.get(f"{base(own)}/teachers/preview").status_code == 200
    assert director_client.get(f"{base(own)}/teachers.yaml").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/teachers"),
        ("get", "/teachers.yaml"),
        ("get", "/teachers/preview"),
        ("post", "/start"),
        ("post", "/teachers/questions/t7/delete"),
    ],
)
def test_another_school_gets_404(client, own, method, path):
    other = factories.make_school("school-b", "Ліцей №2")
    factories.make_user("member@b.ua", role="member", school=other)
    factories.login(client, "member@b.ua")
    assert getattr(client, method)(url(own, path)).status_code == 404


def test_anonymous_users_are_sent_to_login(client, own):
    response = client.get(f"{base(own)}/teachers")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- the editor is the school's copy's, shared by the school's campaigns ------------------------


def respond(campaign: Campaign, role: str, times: int) -> None:
    """Store ``times`` responses to the campaign's questionnaire of ``role`` (first options)."""
    from app.surveys.respondent.service import store_response

    link = campaign.link_for(role)
    answers = {q.key: q.options[0].key for q in link.questionnaire.questions if q.options}
    for _ in range(times):
        store_response(link, answers, factories.submission_id_for(link))


def campaigns_listed(page: str) -> list[str]:
    """The text of each entry of the page's list of campaigns using the copy."""
    section = page.split('id="campaigns-using"')[1].split("</section>")[0]
    return [re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in section.split("<li")[1:]]


def test_an_edit_names_every_campaign_of_the_school_it_reaches(member_client, campaign, school):
    start(member_client, campaign, "library")
    db.session.refresh(campaign)
    spring = create_campaign(school, "assessment-system", "2025-2026", title="Весна")
    assert spring.direction_id == campaign.direction_id  # the school's copy, shared
    respond(campaign, "parents", 12)
    page = member_client.get(f"{base(campaign)}/teachers").get_data(as_text=True)
    listed = campaigns_listed(page)
    assert len(listed) == 2
    assert "Весна" in listed[0] and "відповідей: 0" in listed[0]
    assert campaign.title in listed[1] and "відповідей: 12" in listed[1]
    for path in ("/", "/direction", "/teachers/questions/new"):
        assert len(campaigns_listed(member_client.get(base(campaign) + path).text)) == 2, path

    response = member_client.post(
        f"{base(campaign)}/teachers/settings", data={"title": "Анкета для педагогів"}
    )
    assert response.status_code == 302
    assert flashes(member_client) == [
        "Зміни збережено.",
        f"Зміна стосується кампаній: «Весна» (відповідей: 0), «{campaign.title}» (відповідей: 12).",
    ]
    # The campaign's own page links to the copy's editor instead of offering to start one.
    page = member_client.get(f"{campaign_page(spring)}/").get_data(as_text=True)
    assert f'href="{base(spring)}/"' in page and "/start" not in page


def test_campaigns_using_a_copy_is_one_query(app, member_client, campaign, school):
    from sqlalchemy import event

    start(member_client, campaign, "library")
    create_campaign(school, "assessment-system", "2025-2026", title="Весна")
    respond(campaign, "parents", 3)
    db.session.expire_all()
    copy = db.session.get(Direction, campaign.direction_id)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        using = service.campaigns_using(copy)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [(c.title, n) for c, n in using] == [("Весна", 0), (campaign.title, 3)]


EDITOR_REQUESTS = [
    ("get", "/"),
    ("get", "/direction"),
    ("post", "/direction"),
    ("get", "/teachers"),
    ("post", "/teachers/settings"),
    ("get", "/teachers/questions/new"),
    ("post", "/teachers/questions/t1"),
    ("post", "/teachers/questions/t1/move"),
    ("post", "/teachers/questions/t1/duplicate"),
    ("post", "/teachers/questions/t1/delete"),
    ("get", "/teachers/preview"),
    ("get", "/teachers.yaml"),
    ("post", "/teachers/upload"),
]


@pytest.mark.parametrize(("method", "path"), EDITOR_REQUESTS)
def test_another_schools_member_gets_404_on_the_copy(client, own, method, path):
    other = factories.make_school("school-b", "Ліцей №2")
    factories.make_user("member@b.ua", role="member", school=other)
    factories.login(client, "member@b.ua")
    assert getattr(client, method)(base(own) + path, data={}).status_code == 404
    # Naming their own school in the URL does not reach school A's copy either.
    url = f"/schools/school-b/directions/{own.direction_id}/questionnaires{path}"
    assert getattr(client, method)(url, data={}).status_code == 404


def test_a_copy_is_found_under_its_own_schools_slug_only(app, member_client, own, admin_user):
    factories.make_school("school-b", "Ліцей №2")
    wrong = f"/schools/school-b/directions/{own.direction_id}/questionnaires/"
    assert member_client.get(wrong).status_code == 404
    assert member_client.get(f"{base(own)}/").status_code == 200
    library = Direction.library("assessment-system")
    assert (
        member_client.get(f"/schools/school-a/directions/{library.id}/questionnaires/").status_code
        == 404
    )
    admin = app.test_client()
    g.pop("_login_user", None)  # the test's app context outlives requests
    factories.login(admin, admin_user.email)
    assert admin.get(f"{base(own)}/teachers").status_code == 200
    assert admin.get(wrong).status_code == 404


@pytest.mark.parametrize(("method", "path"), [r for r in EDITOR_REQUESTS if r[0] == "post"])
def test_directors_get_403_on_every_post_to_the_copy(director_client, own, method, path):
    before = {role: latest(own, role).content_hash for role in ROLES}
    assert director_client.post(base(own) + path, data={"title": "X"}).status_code == 403
    assert {role: latest(own, role).content_hash for role in ROLES} == before


def questionnaire_rows(direction_id: int, role: str) -> list[tuple]:
    """Every stored row of a role's questionnaires (each version), with its questions and
    options, as plain values."""
    from app.models import Option, Question

    rows = []
    for q in db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.direction_id == direction_id, Questionnaire.role == role)
        .order_by(Questionnaire.id)
    ):
        rows.append((q.id, q.version, q.title, q.intro, q.content_hash, q.source_path))
        for question in db.session.scalars(
            select(Question).where(Question.questionnaire_id == q.id).order_by(Question.id)
        ):
            rows.append(
                (question.id, question.key, question.position, question.text,
                 question.measures, question.report, question.translations)
            )  # fmt: skip
            rows.extend(
                (o.id, o.key, o.position, o.text, o.value, o.translations)
                for o in db.session.scalars(
                    select(Option).where(Option.question_id == question.id).order_by(Option.id)
                )
            )
    return rows


@pytest.mark.parametrize("kind", ["question", "upload"])
def test_saving_teachers_leaves_the_other_roles_untouched(member_client, own, kind, monkeypatch):
    respond(own, "parents", 1)  # a version with responses is the one most easily disturbed
    dumped: list[str] = []
    real_dump = service.dump_questionnaire
    monkeypatch.setattr(
        service, "dump_questionnaire", lambda q: dumped.append(q.role) or real_dump(q)
    )
    others = {role: questionnaire_rows(own.direction_id, role) for role in ("students", "parents")}
    changes = db.session.scalar(select(func.max(QuestionnaireChange.id)))
    if kind == "question":
        teachers = latest(own, "teachers")
        key = teachers.questions[0].key
        fields = service.question_fields(
            service.question_entry(service.questionnaire_document(teachers), key)
        )
        fields |= {"text": "Змінене запитання", "required": "y" if fields["required"] else False}
        fields = {name: value for name, value in fields.items() if value is not False}
        response = member_client.post(f"{base(own)}/teachers/questions/{key}", data=fields)
    else:
        text = dump_questionnaire(latest(own, "teachers")).replace("title: ", "title: Нова ", 1)
        response = member_client.post(
            f"{base(own)}/teachers/upload",
            data={"file": (io.BytesIO(text.encode()), "teachers.yaml")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert flashes(member_client)[0] == "Зміни збережено."
    assert set(dumped) <= {"teachers"}  # the other roles are read as rows, not as YAML
    db.session.expire_all()
    for role, rows in others.items():
        assert questionnaire_rows(own.direction_id, role) == rows, role
    new = db.session.scalars(
        select(QuestionnaireChange).where(QuestionnaireChange.id > changes)
    ).all()
    assert [(c.role, c.action) for c in new] == [
        ("teachers", "edit_question" if kind == "question" else "upload")
    ]
