"""The respondent flow: /s/<token> renders the whole questionnaire, stores one response per
submission id, refuses malformed posts without storing anything, and stays anonymous."""

from __future__ import annotations

import gzip
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models import Answer, Option, Question, Response
from app.surveys.respondent import service
from app.surveys.respondent.service import (
    InvalidAnswers,
    check_answers,
    respondent_status,
    store_response,
)
from app.vocabulary import today as kyiv_today
from tests import factories

SUBMISSION_ID = re.compile(
    r'name="submission_id" type="hidden" value="([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})"'
)
STUDENT_ANSWERS = {
    "q-grade": "g6",
    "q-clear": "mostly",
    "q-sources": ["teacher", "site"],
    "q-access": "dont_know",
}


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


@pytest.fixture
def students(campaign):
    return campaign.link_for("students")


@pytest.fixture
def teachers(campaign):
    return campaign.link_for("teachers")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def issued_submission_id(page: str) -> str:
    match = SUBMISSION_ID.search(page)
    assert match, "the form carries no well-formed submission_id"
    return match.group(1)


def fresh_form(client, link) -> tuple[str, str]:
    response = client.get(f"/s/{link.token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, issued_submission_id(page)


def stored_answers(response: Response) -> set[tuple[str, str | None, str | None]]:
    rows = db.session.execute(
        select(Question.key, Option.key, Answer.text)
        .join(Question, Answer.question_id == Question.id)
        .outerjoin(Option, Answer.option_id == Option.id)
        .where(Answer.response_id == response.id)
    )
    return {tuple(row) for row in rows}


# --- the page -------------------------------------------------------------------------------


def test_form_renders_every_question_as_a_fieldset(client, students):
    response = client.get(f"/s/{students.token}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert '<html lang="uk">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "Гімназія №1" in page and "Анкета (students)" in page
    assert "Опитування анонімне" in page
    assert page.count("<fieldset") == page.count("<legend>") == 4
    for question in students.questionnaire.questions:
        assert f'<fieldset id="f-{question.key}"' in page
        assert f"<legend>{question.number}. {question.text}" in page
    for value in ("g5", "g6", "g7"):
        assert f'<input type="radio" name="q-grade" value="{value}"' in page
    for value in ("teacher", "class_teacher", "site"):
        assert f'<input type="checkbox" name="q-sources" value="{value}"' in page
    # The instruction comes from the questionnaire (only "clear" has one); required in text.
    assert '<span class="i">Виберіть лише один варіант.</span>' in page
    assert page.count('<span class="i">') == 1
    assert page.count("(обов'язкове)") == 2  # grade and clear; sources and access optional
    assert '<button type="submit">Надіслати</button>' in page
    issued_submission_id(page)


def test_text_question_is_a_textarea_with_the_length_limit(client, teachers):
    page = client.get(f"/s/{teachers.token}").get_data(as_text=True)
    assert '<textarea name="q-comment" id="q-comment" rows="4" maxlength="5000">' in page
    assert '<input type="radio" name="q-understand" value="full"' in page


def test_page_is_self_contained_and_private(client, students):
    response = client.get(f"/s/{students.token}")
    page = response.get_data(as_text=True)

    assert "<script" not in page
    assert "http://" not in page and "https://" not in page
    # The only <link> is the empty icon that stops the browser asking for /favicon.ico.
    assert re.findall(r"<link[^>]*>", page) == ['<link rel="icon" href="data:,">']
    assert "<img" not in page and "@import" not in page and "url(" not in page
    assert "<style>" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    assert len(gzip.compress(response.data, 6)) < 20 * 1024


def test_focus_and_tap_target_styles_are_present(client, students):
    page = client.get(f"/s/{students.token}").get_data(as_text=True)
    assert ":focus-visible{outline:3px solid" in page
    assert "min-height:44px" in page


# --- storing --------------------------------------------------------------------------------


def test_full_submission_stores_one_response_and_redirects(client, campaign, students):
    _, submission_id = fresh_form(client, students)

    response = client.post(
        f"/s/{students.token}", data={**STUDENT_ANSWERS, "submission_id": submission_id}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{students.token}/thanks"
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 1
    (saved,) = stored
    assert saved.role == "students"
    assert saved.campaign_id == campaign.id
    assert saved.questionnaire_id == students.questionnaire_id
    assert saved.submission_id == submission_id
    assert saved.source == "web"
    assert stored_answers(saved) == {
        ("grade", "g6", None),
        ("clear", "mostly", None),
        ("sources", "teacher", None),
        ("sources", "site", None),
        ("access", "dont_know", None),
    }
    assert count(Answer) == 5
    assert db.session.scalars(select(Answer.campaign_id).distinct()).all() == [campaign.id]


def test_thanks_page(client, students):
    response = client.get(f"/s/{students.token}/thanks")
    assert response.status_code == 200
    assert "Дякуємо! Ваші відповіді збережено." in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_text_answer_is_stored_with_normalised_line_breaks(client, teachers):
    _, submission_id = fresh_form(client, teachers)
    response = client.post(
        f"/s/{teachers.token}",
        data={
            "q-understand": "full",
            "q-comment": "  Більше прикладів.\r\nІ менше тестів.  ",
            "submission_id": submission_id,
        },
    )
    assert response.status_code == 303
    (saved,) = db.session.scalars(select(Response)).all()
    assert stored_answers(saved) == {
        ("understand", "full", None),
        ("comment", None, "Більше прикладів.\nІ менше тестів."),
    }


def test_optional_questions_may_be_left_out(client, students, teachers):
    _, submission_id = fresh_form(client, students)
    data = {"q-grade": "g5", "q-clear": "full", "submission_id": submission_id}
    assert client.post(f"/s/{students.token}", data=data).status_code == 303

    _, submission_id = fresh_form(client, teachers)
    data = {"q-understand": "none", "q-comment": "   ", "submission_id": submission_id}
    assert client.post(f"/s/{teachers.token}", data=data).status_code == 303

    assert count(Response) == 2
    assert count(Answer) == 3  # the blank comment stores nothing


def test_text_of_exactly_the_limit_is_accepted(client, teachers):
    _, submission_id = fresh_form(client, teachers)
    data = {"q-understand": "full", "q-comment": "я" * 5000, "submission_id": submission_id}
    assert client.post(f"/s/{teachers.token}", data=data).status_code == 303
    assert db.session.scalar(select(func.length(Answer.text)).where(Answer.text.is_not(None))) == (
        5000
    )


def test_same_submission_id_twice_stores_one_response(client, students):
    _, submission_id = fresh_form(client, students)
    data = {**STUDENT_ANSWERS, "submission_id": submission_id}

    first = client.post(f"/s/{students.token}", data=data)
    second = client.post(f"/s/{students.token}", data=data)

    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == f"/s/{students.token}/thanks"
    assert count(Response) == 1
    assert count(Answer) == 5


def test_simultaneous_double_taps_store_one_response_each(app, students):
    """Two requests with one submission id racing in two threads (the database decides)."""
    rounds = 4
    statuses: list[int] = []

    def tap(submission_id: str, barrier: threading.Barrier) -> None:
        client = app.test_client()
        barrier.wait()
        data = {**STUDENT_ANSWERS, "submission_id": submission_id}
        statuses.append(client.post(f"/s/{students.token}", data=data).status_code)

    for _round in range(rounds):
        barrier = threading.Barrier(2)
        submission_id = factories.submission_id_for(students)
        threads = [threading.Thread(target=tap, args=(submission_id, barrier)) for _ in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert statuses == [303] * (2 * rounds)
    db.session.expire_all()
    assert count(Response) == rounds
    assert count(Answer) == 5 * rounds


def test_double_tap_after_closing_time_is_still_acknowledged(client, students):
    _, submission_id = fresh_form(client, students)
    data = {**STUDENT_ANSWERS, "submission_id": submission_id}
    assert client.post(f"/s/{students.token}", data=data).status_code == 303
    students.campaign.closes_on = kyiv_today() - timedelta(days=1)
    db.session.commit()

    again = client.post(f"/s/{students.token}", data=data)

    assert again.status_code == 303
    assert again.headers["Location"] == f"/s/{students.token}/thanks"
    assert count(Response) == 1


def test_each_page_load_issues_a_new_submission_id(client, students):
    _, first = fresh_form(client, students)
    _, second = fresh_form(client, students)
    assert first != second


# --- refusals -------------------------------------------------------------------------------


def test_missing_required_answer_keeps_the_others(client, students):
    _, submission_id = fresh_form(client, students)
    data = {**STUDENT_ANSWERS, "submission_id": submission_id}
    del data["q-clear"]

    response = client.post(f"/s/{students.token}", data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert count(Response) == 0 and count(Answer) == 0
    assert '<fieldset id="f-clear" class="err" aria-describedby="e-clear" tabindex="-1">' in page
    assert '<p class="em" id="e-clear">Дайте відповідь на це питання.</p>' in page
    assert '<a href="#f-clear">Питання 2: Дайте відповідь на це питання.</a>' in page
    assert 'class="sum" role="alert"' in page
    assert page.count('class="err"') == 1
    # Everything else the student ticked is still ticked, under the same submission id.
    assert 'value="g6" id="q-grade-1" checked>' in page
    assert 'value="teacher" id="q-sources-0" checked>' in page
    assert 'value="class_teacher" id="q-sources-1">' in page
    assert 'value="site" id="q-sources-2" checked>' in page
    assert 'value="dont_know" id="q-access-2" checked>' in page
    assert issued_submission_id(page) == submission_id


def test_missing_everything_marks_every_required_question(client, students):
    _, submission_id = fresh_form(client, students)
    response = client.post(f"/s/{students.token}", data={"submission_id": submission_id})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="e-grade"' in page and 'id="e-clear"' in page
    assert 'id="e-sources"' not in page and 'id="e-access"' not in page
    assert count(Response) == 0


@pytest.mark.parametrize(
    ("role", "changes", "message"),
    [
        ("students", {"q-clear": "maybe"}, "Такого варіанта відповіді немає."),
        ("students", {"q-sources": ["teacher", "nowhere"]}, "Такого варіанта відповіді немає."),
        ("students", {"q-clear": ["full", "mostly"]}, "Виберіть лише один варіант."),
        ("students", {"q-clear": ["full", "full"]}, "Один варіант надіслано кілька разів."),
        ("students", {"q-sources": ["site", "site"]}, "Один варіант надіслано кілька разів."),
        ("students", {"q-nope": "x"}, "Форма містить невідомі поля: «q-nope»."),
        ("students", {"extra": "1"}, "Форма містить невідомі поля: «extra»."),
        ("teachers", {"q-comment": "я" * 5001}, "Відповідь задовга: 5001 символів"),
        ("teachers", {"q-comment": ["один", "два"]}, "Надіслано кілька відповідей"),
        ("students", {"submission_id": None}, "Форма пошкоджена"),
        ("students", {"submission_id": "short"}, "Форма пошкоджена"),
        ("students", {"submission_id": "a" * 21 + "!"}, "Форма пошкоджена"),
        ("students", {"submission_id": "a" * 23}, "Форма пошкоджена"),
        ("students", {"submission_id": "a" * 22}, "Форма пошкоджена"),  # the old, unsigned shape
        ("students", {"submission_id": f"{'a' * 22}.{'b' * 22}"}, "Цю форму видав не цей сервер"),
        ("students", {"submission_id": ["a" * 22, "b" * 22]}, None),
    ],
)
def test_malformed_post_is_refused_and_stores_nothing(client, campaign, role, changes, message):
    link = campaign.link_for(role)
    _, submission_id = fresh_form(client, link)
    base = STUDENT_ANSWERS if role == "students" else {"q-understand": "mostly"}
    data = {**base, "submission_id": submission_id, **changes}
    data = {key: value for key, value in data.items() if value is not None}

    response = client.post(f"/s/{link.token}", data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert count(Response) == 0 and count(Answer) == 0
    if message:
        assert message in page
    assert 'class="sum" role="alert"' in page
    # The re-rendered form can be sent again: it carries a well-formed submission id.
    issued_submission_id(page)


def test_oversized_text_keeps_the_answers(client, teachers):
    _, submission_id = fresh_form(client, teachers)
    data = {"q-understand": "partly", "q-comment": "x" * 5001, "submission_id": submission_id}
    page = client.post(f"/s/{teachers.token}", data=data).get_data(as_text=True)
    assert 'value="partly" id="q-understand-2" checked>' in page
    assert 'aria-invalid="true" aria-describedby="e-comment">' + "x" * 5001 in page


def test_bad_submission_id_is_replaced_and_the_retry_succeeds(client, students):
    data = {**STUDENT_ANSWERS, "submission_id": "bad id"}
    page = client.post(f"/s/{students.token}", data=data).get_data(as_text=True)
    retry = {**STUDENT_ANSWERS, "submission_id": issued_submission_id(page)}
    assert client.post(f"/s/{students.token}", data=retry).status_code == 303
    assert count(Response) == 1


def test_submission_id_of_another_link_is_refused(client, campaign, students, teachers):
    _, submission_id = fresh_form(client, teachers)
    data = {"q-understand": "full", "submission_id": submission_id}
    assert client.post(f"/s/{teachers.token}", data=data).status_code == 303

    response = client.post(
        f"/s/{students.token}", data={**STUDENT_ANSWERS, "submission_id": submission_id}
    )

    # The id is signed for the teachers' link: the students' link did not issue it.
    assert response.status_code == 400
    assert "Цю форму видав не цей сервер" in response.get_data(as_text=True)
    assert db.session.scalars(select(Response.role)).all() == ["teachers"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/s/nope"),
        ("get", "/s/AAAAAAAAAAAAAAAAAAAAAA"),
        ("get", "/s/AAAAAAAAAAAAAAAAAAAAAA/thanks"),
        ("post", "/s/nope"),
        ("post", "/s/AAAAAAAAAAAAAAAAAAAAAA"),
    ],
)
def test_unknown_token_is_a_friendly_404(client, students, method, path):
    data = {**STUDENT_ANSWERS, "submission_id": "a" * 22} if method == "post" else None
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Анкету не знайдено" in page
    assert "Перевірте адресу чи відскануйте QR-код ще раз." in page
    assert count(Response) == 0


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "status"),
    [
        (None, None, "open"),
        (0, 0, "open"),
        (-3, 3, "open"),
        (1, None, "not_yet_open"),
        (1, 5, "not_yet_open"),
        (None, -1, "closed"),
        (-5, -1, "closed"),
    ],
)
def test_respondent_status(school, opens, closes, status):
    today = kyiv_today()
    direction = factories.make_direction()
    campaign = factories.make_campaign(
        school,
        direction,
        factories.small_questionnaires(direction),
        opens_on=None if opens is None else today + timedelta(days=opens),
        closes_on=None if closes is None else today + timedelta(days=closes),
    )
    assert respondent_status(campaign.link_for("parents"), today) == status


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"opens_on": 2}, "Опитування ще не розпочалося."),
        ({"closes_on": -1}, "Опитування вже завершено"),
    ],
)
def test_campaign_that_is_not_open_is_polite_and_stores_nothing(client, school, dates, message):
    today = kyiv_today()
    direction = factories.make_direction()
    campaign = factories.make_campaign(
        school,
        direction,
        factories.small_questionnaires(direction),
        **{field: today + timedelta(days=days) for field, days in dates.items()},
    )
    link = campaign.link_for("students")

    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert message in text
    assert "<form" not in text
    if "opens_on" in dates:
        assert (today + timedelta(days=2)).strftime("%d.%m.%Y") in text

    data = {**STUDENT_ANSWERS, "submission_id": "a" * 22}
    refused = client.post(f"/s/{link.token}", data=data)
    assert refused.status_code == 409
    assert message in refused.get_data(as_text=True)
    # Even a malformed post to a closed campaign gets the same polite refusal.
    assert client.post(f"/s/{link.token}", data={"extra": "1"}).status_code == 409
    assert count(Response) == 0 and count(Answer) == 0


def test_campaign_closing_today_still_takes_answers(client, school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(
        school,
        direction,
        factories.small_questionnaires(direction),
        opens_on=kyiv_today(),
        closes_on=kyiv_today(),
    )
    link = campaign.link_for("students")
    _, submission_id = fresh_form(client, link)
    data = {**STUDENT_ANSWERS, "submission_id": submission_id}
    assert client.post(f"/s/{link.token}", data=data).status_code == 303
    assert count(Response) == 1


# --- anonymity ------------------------------------------------------------------------------


def test_nothing_identifying_is_stored(client, students):
    assert {column["name"] for column in inspect(db.engine).get_columns("response")} == {
        "id",
        "campaign_id",
        "questionnaire_id",
        "role",
        "submission_id",
        "source",
        # The Kyiv date only, and a random number that orders lists and exports
        # (docs/methodology.md, "Order and dates"): no time, nothing about arrival.
        "submitted_on",
        "shuffle_key",
        # The staff member's import that stored it (NULL for the form): attributes staff only.
        "import_batch_id",
    }
    assert {column["name"] for column in inspect(db.engine).get_columns("answer")} == {
        "id",
        "response_id",
        "campaign_id",
        "question_id",
        "option_id",
        "text",
        # Derived from the same response's answers (respondent/answer_rows.py), nothing else.
        "tally",
    }
    page = client.get(f"/s/{students.token}", headers={"User-Agent": "SecretPhone/1.0"})
    assert "Set-Cookie" not in page.headers
    response = client.post(
        f"/s/{students.token}",
        data={**STUDENT_ANSWERS, "submission_id": issued_submission_id(page.text)},
        headers={"User-Agent": "SecretPhone/1.0", "X-Forwarded-For": "198.51.100.23"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 303
    # The one cookie is the flag «sent from this device», for this link: no identifier.
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("anketa_sent=1; ")
    stored_values = [
        str(value)
        for model in (Response, Answer)
        for row in db.session.execute(select(model.__table__)).all()
        for value in row
    ]
    assert stored_values
    for secret in ("SecretPhone", "198.51.100.23", "203.0.113.7"):
        assert not any(secret in value for value in stored_values)


# --- the service, directly ------------------------------------------------------------------


def test_store_response_accepts_keys_and_lists(students):
    saved = store_response(
        students,
        {"grade": "g7", "clear": ["full"], "sources": ["site", "teacher"]},
        factories.submission_id_for(students),
    )
    assert saved.id is not None
    assert stored_answers(saved) == {
        ("grade", "g7", None),
        ("clear", "full", None),
        ("sources", "site", None),
        ("sources", "teacher", None),
    }


def test_store_response_survives_a_race_on_the_submission_id(students, monkeypatch):
    submission_id = factories.submission_id_for(students)
    first = store_response(students, {"grade": "g5", "clear": "none"}, submission_id)
    real_find = service.find_submission
    calls = []

    def find_nothing_first(submission_id):
        calls.append(submission_id)
        return None if len(calls) == 1 else real_find(submission_id)

    monkeypatch.setattr(service, "find_submission", find_nothing_first)
    again = store_response(students, {"grade": "g5", "clear": "none"}, submission_id)

    assert again.id == first.id
    assert len(calls) == 2  # the unique constraint caught it, then the lookup found it
    assert count(Response) == 1 and count(Answer) == 2


def test_store_response_refuses_a_closed_campaign_only_when_asked(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(
        school,
        direction,
        factories.small_questionnaires(direction),
        closes_on=kyiv_today() - timedelta(days=1),
    )
    link = campaign.link_for("parents")
    with pytest.raises(service.CampaignNotOpen) as refused:
        store_response(
            link, {"understand": "full"}, factories.submission_id_for(link), today=kyiv_today()
        )
    assert refused.value.status == "closed"
    assert count(Response) == 0
    # An import of paper questionnaires after the closing day passes no date.
    imported = store_response(link, {"understand": "full"}, "import:1:row-7", source="import")
    assert imported.source == "import"


@pytest.mark.parametrize(
    ("answers", "problems"),
    [
        ({}, {("grade", False), ("clear", False)}),
        ({"grade": "g5", "clear": "x"}, {("clear", True)}),
        ({"grade": "g5", "clear": "full", "other": "1"}, {(None, True)}),
        ({"grade": ["g5", "g6"], "clear": []}, {("grade", True), ("clear", False)}),
    ],
)
def test_check_answers_lists_every_problem(students, answers, problems):
    with pytest.raises(InvalidAnswers) as invalid:
        check_answers(students.questionnaire, answers)
    assert {(error.question_key, error.malformed) for error in invalid.value.errors} == problems
    assert invalid.value.malformed == any(malformed for _, malformed in problems)


def test_check_answers_returns_rows_in_option_order(students):
    rows = check_answers(
        students.questionnaire,
        {"grade": "g5", "clear": "full", "sources": ["site", "class_teacher"]},
    )
    assert [(row.question.key, row.option.key) for row in rows] == [
        ("grade", "g5"),
        ("clear", "full"),
        ("sources", "class_teacher"),
        ("sources", "site"),
    ]


# --- the bundled students' questionnaire ----------------------------------------------------


def test_bundled_students_questionnaire_renders_and_stores(client, school):
    from app.models import Direction, Questionnaire
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    direction = Direction.library("assessment-system")
    roles = ("teachers", "students", "parents")
    questionnaires = {role: Questionnaire.latest(direction.id, role) for role in roles}
    campaign = factories.make_campaign(school, direction, questionnaires)
    link = campaign.link_for("students")

    response = client.get(f"/s/{link.token}")
    page = response.get_data(as_text=True)
    questions = link.questionnaire.questions

    assert response.status_code == 200
    assert len(gzip.compress(response.data, 6)) <= 20 * 1024
    assert len(questions) >= 20
    assert page.count("<fieldset") == page.count("<legend>") == len(questions)
    assert f"<h1>{link.questionnaire.title}</h1>" in page
    assert "<legend>2. Оцінювання моїх навчальних досягнень" in page
    assert 'name="q-s2" value="full"' in page  # the degree scale, bundled option ids

    data: dict[str, object] = {"submission_id": issued_submission_id(page)}
    for question in questions:
        if question.type == "text":
            data[f"q-{question.key}"] = "Відповідь"
        elif question.type == "multiple":
            data[f"q-{question.key}"] = [option.key for option in question.options[:2]]
        else:
            data[f"q-{question.key}"] = question.options[0].key
    assert client.post(f"/s/{link.token}", data=data).status_code == 303
    expected = sum(2 if q.type == "multiple" and len(q.options) > 1 else 1 for q in questions)
    assert count(Answer) == expected


def test_questionnaire_without_questions_is_not_ready(client, school):
    """A questionnaire started from scratch has a link before it has questions: the link
    says the questionnaire is being prepared and takes no (empty) submissions."""
    from app.models import Response
    from tests.factories import make_campaign, make_direction, make_questionnaire

    direction = make_direction()
    campaign = make_campaign(
        school, direction, {"teachers": make_questionnaire(direction, "teachers", [])}
    )
    token = campaign.link_for("teachers").token
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert "Анкета ще готується" in page.get_data(as_text=True)
    posted = client.post(f"/s/{token}", data={"submission_id": "A" * 22})
    assert posted.status_code == 409
    assert db.session.scalar(select(func.count(Response.id))) == 0
