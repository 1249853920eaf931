"""Students and parents answer the bundled questionnaires on a 360 px phone in a real Chromium
(the students' one is the longest; the parents' one has an open question)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Option, Question, Response
from app.staff.services import create_campaign
from app.surveys.definitions.library import load_questionnaires

pytestmark = pytest.mark.e2e


@pytest.fixture
def campaign(school):
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025", title="Самооцінювання")


@pytest.fixture
def students_link(campaign):
    link = campaign.link_for("students")
    assert link is not None and len(link.questionnaire.questions) >= 20
    return link


def answer_every_question(page, questions, skip: str | None = None) -> set[tuple]:
    """Tap the visible labels (a different option per question) and type into textareas.

    Returns the (question key, option key, text) rows that should be stored.
    """
    expected: set[tuple] = set()
    for index, question in enumerate(questions):
        if question.key == skip:
            continue
        fieldset = page.locator(f"#f-{question.key}")
        if question.type == "text":
            text = f"Відповідь на питання {question.number}: більше пояснень, будь ласка."
            fieldset.locator("textarea").fill(text)
            expected.add((question.key, None, text))
            continue
        options = question.options
        if question.type == "single":
            chosen = [options[index % len(options)]]
        else:
            chosen = [options[0], options[-1]] if len(options) > 1 else options
        for option in chosen:
            fieldset.get_by_text(option.text, exact=True).tap()
            expected.add((question.key, option.key, None))
    return expected


def stored_rows() -> set[tuple]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Question.key, Option.key, Answer.text)
        .join(Question, Answer.question_id == Question.id)
        .outerjoin(Option, Answer.option_id == Option.id)
    )
    return {tuple(row) for row in rows}


@pytest.mark.parametrize(
    ("role", "screenshot"),
    [("students", "respondent-360.png"), ("parents", "respondent-360-parents.png")],
)
def test_everything_is_answered_on_a_phone(
    live_server, phone, campaign, artifacts, role, screenshot
):
    link = campaign.link_for(role)
    questions = list(link.questionnaire.questions)
    requests: list[str] = []
    phone.on("request", lambda request: requests.append(request.url))

    phone.goto(f"{live_server}/s/{link.token}")

    assert requests == [f"{live_server}/s/{link.token}"]  # one request: CSS inline, no icon
    assert phone.locator("fieldset").count() == len(questions)
    assert phone.get_by_role("heading", level=1).inner_text() == link.questionnaire.title

    # Keyboard users see where they are: the first Tab lands on the first option, ringed.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.name") == f"q-{questions[0].key}"
    ring = phone.evaluate("getComputedStyle(document.activeElement.closest('label')).outline")
    assert "solid" in ring and "3px" in ring

    expected = answer_every_question(phone, questions)

    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    smallest_target = phone.evaluate(
        "Math.min(...[...document.querySelectorAll('label.o, button')]"
        ".map(e => e.getBoundingClientRect().height))"
    )
    assert smallest_target >= 44
    phone.screenshot(path=str(artifacts / screenshot), full_page=True)

    phone.get_by_role("button", name="Надіслати").tap()
    phone.wait_for_url(f"{live_server}/s/{link.token}/thanks")

    assert "Дякуємо! Ваші відповіді збережено." in phone.locator("h1").inner_text()
    db.session.expire_all()
    responses = db.session.scalars(select(Response)).all()
    assert [(r.role, r.questionnaire_id, r.source) for r in responses] == [
        (role, link.questionnaire_id, "web")
    ]
    assert stored_rows() == expected


def test_a_forgotten_question_is_pointed_out_and_nothing_is_lost(
    live_server, phone, students_link, artifacts
):
    link = students_link
    questions = list(link.questionnaire.questions)
    forgotten = next(q for q in questions[1:] if q.required and q.type == "single")
    phone.goto(f"{live_server}/s/{link.token}")

    expected = answer_every_question(phone, questions, skip=forgotten.key)
    phone.get_by_role("button", name="Надіслати").tap()

    summary = phone.get_by_role("alert")
    assert "Дайте відповідь на це питання." in summary.inner_text()
    assert db.session.scalars(select(Response)).all() == []
    # Everything already ticked survived the round trip.
    checked = phone.locator("input:checked").count()
    assert checked == sum(1 for row in expected if row[1] is not None)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.screenshot(path=str(artifacts / "respondent-360-summary.png"))
    summary.get_by_role("link").first.tap()
    # The link brings the question itself (text, message, options) into view and focus.
    assert phone.evaluate("document.activeElement.id") == f"f-{forgotten.key}"
    assert phone.locator(f"#e-{forgotten.key}").is_visible()
    assert (
        phone.evaluate(
            f"document.querySelector('#f-{forgotten.key} legend').getBoundingClientRect().top"
        )
        >= 0
    )
    phone.screenshot(path=str(artifacts / "respondent-360-error.png"))

    phone.locator(f"#f-{forgotten.key} label.o").first.tap()
    phone.get_by_role("button", name="Надіслати").tap()
    phone.wait_for_url(f"{live_server}/s/{link.token}/thanks")
    expected.add((forgotten.key, forgotten.options[0].key, None))
    assert stored_rows() == expected


def test_back_after_sending_says_so_and_stores_one_response(live_server, phone, students_link):
    """Send, press Back: the page says it was sent from this device; «Надіслати ще одну» is a
    deliberate second response (a shared classroom computer)."""
    link = students_link
    questions = list(link.questionnaire.questions)
    phone.goto(f"{live_server}/s/{link.token}")
    answer_every_question(phone, questions)
    phone.get_by_role("button", name="Надіслати").tap()
    phone.wait_for_url(f"{live_server}/s/{link.token}/thanks")

    phone.go_back()

    assert "Ви вже надіслали відповіді з цього пристрою." in phone.locator("main").inner_text()
    assert phone.locator('input[name="submission_id"]').count() == 0
    db.session.expire_all()
    assert len(db.session.scalars(select(Response)).all()) == 1

    phone.get_by_role("button", name="Надіслати ще одну").tap()
    phone.wait_for_url(f"{live_server}/s/{link.token}?again=1")
    answer_every_question(phone, questions)
    phone.get_by_role("button", name="Надіслати").tap()
    phone.wait_for_url(f"{live_server}/s/{link.token}/thanks")
    db.session.expire_all()
    assert len(db.session.scalars(select(Response)).all()) == 2
