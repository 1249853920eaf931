"""The working group builds a three-question questionnaire on a 390×844 phone in a real
Chromium (from scratch, one question of each type, with the buttons — no JavaScript needed),
previews it, and a teacher answers it through the respondent link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Option, Question, Questionnaire, Response
from app.staff.services import create_campaign
from app.surveys.definitions.library import load_questionnaires
from tests import factories
from tests.e2e.conftest import phone_page

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone_390(browser):
    with phone_page(browser, PHONE_390) as page:
        yield page


@pytest.fixture
def campaign(school):
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025", title="Самооцінювання")


def add_question(
    page, base: str, text: str, kind: str, scale: str = "", options: str = "", required=True
) -> None:
    page.goto(f"{base}/teachers/questions/new")
    page.locator("#text").fill(text)
    page.locator("#required").set_checked(required)
    page.locator("#type").select_option(kind)
    if scale:
        page.locator("#scale").select_option(scale)
    if options:
        page.locator("#options").fill(options)
    with page.expect_navigation(url=f"{base}/teachers"):
        page.get_by_role("button", name="Зберегти запитання").tap()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_build_three_questions_on_a_phone_and_answer_them(
    live_server, phone_390, campaign, member, artifacts
):
    page = phone_390
    page.goto(f"{live_server}/login")
    page.locator("#email").fill(member.email)
    page.locator("#password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Увійти").tap()
    page.wait_for_url(f"{live_server}/campaigns/")

    page.goto(f"{live_server}/campaigns/{campaign.id}/questionnaires/")
    with page.expect_navigation():
        page.get_by_role("button", name="Почати з нуля").tap()
    assert "Власні анкети закладу створено" in page.content()
    # The editor is the school's own copy's, which the campaign now uses.
    db.session.refresh(campaign)
    copy = f"/schools/{campaign.school.slug}/directions/{campaign.direction_id}"
    base = f"{live_server}{copy}/questionnaires"
    assert page.url == f"{base}/"

    add_question(page, base, "Я розумію критерії оцінювання.", "single", scale="degree")
    add_question(
        page,
        base,
        "Де Ви розміщуєте критерії?",
        "multiple",
        options="board | На дошці\nsite | На сайті школи, у соцмережах\nnone | Ніде",
    )
    add_question(page, base, "Ваші пропозиції", "text", required=False)
    # Reorder with the buttons: the open question goes up one place.
    with page.expect_navigation():
        page.locator("#q-t3").get_by_role("button", name="Вище: t3").tap()
    assert page.locator(".questions > li").evaluate_all(
        "items => items.map(item => item.dataset.key)"
    ) == ["t1", "t3", "t2"]
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts / "builder-390.png"), full_page=True)

    page.goto(f"{base}/teachers/preview")
    legends = page.locator("legend").all_inner_texts()
    assert [legend.split("\n")[0].strip() for legend in legends] == [
        "1. Я розумію критерії оцінювання.",
        "2. Ваші пропозиції",
        "3. Де Ви розміщуєте критерії?",
    ]
    assert ["(обов'язкове)" in legend for legend in legends] == [True, False, True]
    assert "Виберіть лише один варіант." in legends[0]
    assert legends[1].strip() == "2. Ваші пропозиції"  # no instruction for an open question
    assert "Виберіть усе, що підходить." in legends[2]
    assert page.locator("input[type=radio][name=q-t1]").count() == 4
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts / "builder-preview-390.png"), full_page=True)

    link = campaign.link_for("teachers")
    db.session.refresh(link)
    questionnaire = db.session.get(Questionnaire, link.questionnaire_id)
    assert [q.key for q in questionnaire.questions] == ["t1", "t3", "t2"]
    page.goto(f"{live_server}/s/{link.token}")
    page.locator("#f-t1").get_by_text("Здебільшого", exact=True).tap()
    page.locator("#f-t3 textarea").fill("Більше прикладів")
    page.locator("#f-t2").get_by_text("На сайті школи, у соцмережах", exact=True).tap()
    page.locator("#f-t2").get_by_text("На дошці", exact=True).tap()
    page.get_by_role("button", name="Надіслати").tap()
    page.wait_for_url(f"{live_server}/s/{link.token}/thanks")

    db.session.expire_all()
    response = db.session.scalar(select(Response))
    assert response.questionnaire_id == questionnaire.id
    rows = db.session.execute(
        select(Question.key, Option.key, Answer.text)
        .join(Question, Answer.question_id == Question.id)
        .outerjoin(Option, Answer.option_id == Option.id)
    )
    assert {tuple(row) for row in rows} == {
        ("t1", "mostly", None),
        ("t2", "board", None),
        ("t2", "site", None),
        ("t3", None, "Більше прикладів"),
    }
