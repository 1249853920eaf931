"""The builder's «Видалити» asks for confirmation on a page of its own: one click changes
nothing, the page's form (CSRF token and ``confirm=1``) deletes, directors get 403.
(«Змінити посилання» is tested the same way in tests/test_staff.py.)"""

from __future__ import annotations

import re

import pytest
from flask import g

from app.extensions import db
from app.staff.services import create_campaign
from app.surveys.definitions.library import load_questionnaires
from tests import factories
from tests.test_builder import base, build_teachers, campaign_page, flashes, latest


@pytest.fixture
def campaign(app, school):
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025")


def keys(campaign) -> list[str]:
    return [question.key for question in latest(campaign, "teachers").questions]


def confirm_form(page: str) -> str:
    found = re.search(r'<form method="post" action="[^"]+" class="confirm">.*?</form>', page, re.S)
    assert found, "no confirmation form on the page"
    return found.group(0)


def test_the_delete_button_leads_to_a_confirmation_page(member_client, campaign):
    build_teachers(member_client, campaign)
    url = f"{base(campaign)}/teachers/questions/t2/delete"
    editor = member_client.get(f"{base(campaign)}/teachers").text
    assert f'<a class="button secondary" href="{url}">Видалити</a>' in editor
    assert f'action="{url}"' not in editor  # no one-click form on the editor
    page = member_client.get(url)
    assert page.status_code == 200
    text = page.text
    assert "Видалити запитання t2?" in text
    assert "Де Ви розміщуєте критерії?" in text  # the question, as it will be lost
    assert "Скасувати видалення не можна" in text
    form = confirm_form(text)
    assert f'action="{url}"' in form
    assert '<input type="hidden" name="confirm" value="1">' in form
    assert keys(campaign) == ["t1", "t2", "t3"]  # looking changes nothing


@pytest.mark.parametrize("data", [{}, {"confirm": "0"}, {"confirm": "true"}])
def test_a_delete_post_without_confirmation_changes_nothing(member_client, campaign, data):
    build_teachers(member_client, campaign)
    url = f"{base(campaign)}/teachers/questions/t2/delete"
    response = member_client.post(url, data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == url
    assert keys(campaign) == ["t1", "t2", "t3"]


def test_the_confirmation_page_deletes(member_client, campaign):
    build_teachers(member_client, campaign)
    url = f"{base(campaign)}/teachers/questions/t3/delete"
    form = confirm_form(member_client.get(url).text)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert fields == {"confirm": "1"}  # (CSRF is off here; TestWithCsrf below has it on)
    response = member_client.post(url, data=fields)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base(campaign)}/teachers"
    assert keys(campaign) == ["t1", "t2"]
    assert flashes(member_client) == ["Зміни збережено."]


def test_unknown_question_has_no_confirmation_page(member_client, campaign):
    build_teachers(member_client, campaign)
    assert member_client.get(f"{base(campaign)}/teachers/questions/zz/delete").status_code == 404


def test_a_library_questionnaire_has_no_delete_page(member_client, campaign):
    # The editor exists for the school's own copy only: the library's direction is not one.
    response = member_client.get(f"{base(campaign)}/teachers/questions/t7/delete")
    assert response.status_code == 404


def test_a_version_with_responses_says_a_new_version_is_made(member_client, campaign):
    build_teachers(member_client, campaign)
    factories.make_response(campaign, "teachers", {"t1": "full"})
    text = member_client.get(f"{base(campaign)}/teachers/questions/t2/delete").text
    assert "видалення створить нову версію 2 без цього запитання" in text


def test_directors_may_not_delete(app, director_client, member, campaign):
    working_group = app.test_client()
    g.pop("_login_user", None)  # the test's app context outlives requests (test_builder.py)
    factories.login(working_group, member.email)
    build_teachers(working_group, campaign)
    g.pop("_login_user", None)
    url = f"{base(campaign)}/teachers/questions/t2/delete"
    assert director_client.get(url).status_code == 403
    assert director_client.post(url, data={"confirm": "1"}).status_code == 403
    assert keys(campaign) == ["t1", "t2", "t3"]


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_the_confirmation_form_carries_a_token_and_deletes(self, client, member, campaign):
        with client.session_transaction() as session:
            session["_user_id"] = member.get_id()
            session["_fresh"] = True
        # Set up the questions with CSRF tokens taken from the pages.
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"',
            client.get(f"{campaign_page(campaign)}/").text,
        ).group(1)
        start = client.post(
            f"{campaign_page(campaign)}/start", data={"source": "library", "csrf_token": token}
        )
        assert start.status_code == 302
        db.session.expire_all()
        url = f"{base(campaign)}/teachers/questions/t7/delete"
        form = confirm_form(client.get(url).text)
        fields = dict(re.findall(r'<input [^>]*name="(\w+)" type="hidden" value="([^"]*)"', form))
        fields |= dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        assert set(fields) == {"csrf_token", "confirm"}
        assert client.post(url, data={"confirm": "1"}).status_code == 400  # no token
        assert "t7" in keys(campaign)
        assert client.post(url, data=fields).status_code == 302
        assert "t7" not in keys(campaign)
