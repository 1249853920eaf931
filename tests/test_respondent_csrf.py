"""The respondent form with CSRF on: a stale token (a session cookie lost on the bus) must not
lose the answers, and the rest of the app stays protected by the global check."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Response
from tests import factories

CSRF_TOKEN = re.compile(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_ID = re.compile(
    r'name="submission_id" type="hidden" value="([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})"'
)
ANSWERS = {"q-grade": "g7", "q-clear": "partly", "q-sources": ["class_teacher"]}
STALE = "Сторінка застаріла, натисніть «Надіслати» ще раз"


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def link(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    return campaign.link_for("students")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def form_tokens(page: str) -> tuple[str, str]:
    csrf, submission = CSRF_TOKEN.search(page), SUBMISSION_ID.search(page)
    assert csrf and submission, "the form lacks its csrf_token or submission_id"
    return csrf.group(1), submission.group(1)


def session_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_form_carries_a_token_and_sets_only_the_session_cookie(client, link):
    response = client.get(f"/s/{link.token}")
    assert response.status_code == 200
    form_tokens(response.get_data(as_text=True))
    cookies = session_cookies(response)
    assert len(cookies) == 1
    assert cookies[0].startswith("session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_valid_token_stores_the_response(client, link):
    csrf_token, submission_id = form_tokens(client.get(f"/s/{link.token}").text)
    response = client.post(
        f"/s/{link.token}",
        data={**ANSWERS, "csrf_token": csrf_token, "submission_id": submission_id},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{link.token}/thanks"
    assert count(Response) == 1 and count(Answer) == 3


def test_lost_session_keeps_the_answers_and_the_retry_succeeds(app, link):
    on_the_bus = app.test_client()
    csrf_token, submission_id = form_tokens(on_the_bus.get(f"/s/{link.token}").text)
    on_the_bus.delete_cookie("session", domain="localhost")  # the browser dropped it
    # The test's app context outlives requests, and Flask-WTF caches the signed token on g.
    g.pop("csrf_token", None)

    stale = on_the_bus.post(
        f"/s/{link.token}",
        data={**ANSWERS, "csrf_token": csrf_token, "submission_id": submission_id},
    )
    page = stale.get_data(as_text=True)

    assert stale.status_code == 400
    assert STALE in page
    assert count(Response) == 0
    assert 'value="g7" id="q-grade-2" checked>' in page
    assert 'value="partly" id="q-clear-2" checked>' in page
    assert 'value="class_teacher" id="q-sources-1" checked>' in page
    fresh_token, same_submission = form_tokens(page)
    assert fresh_token != csrf_token
    assert same_submission == submission_id
    assert any(cookie.startswith("session=") for cookie in session_cookies(stale))

    retry = on_the_bus.post(
        f"/s/{link.token}",
        data={**ANSWERS, "csrf_token": fresh_token, "submission_id": same_submission},
    )
    assert retry.status_code == 303
    assert count(Response) == 1 and count(Answer) == 3


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_missing_or_forged_token_is_stale_and_stores_nothing(client, link, token):
    page = client.get(f"/s/{link.token}").text
    _, submission_id = form_tokens(page)
    data = {**ANSWERS, "submission_id": submission_id}
    if token is not None:
        data["csrf_token"] = token

    response = client.post(f"/s/{link.token}", data=data)

    assert response.status_code == 400
    assert STALE in response.get_data(as_text=True)
    assert count(Response) == 0


def test_stale_token_also_shows_missing_answers(client, link):
    _, submission_id = form_tokens(client.get(f"/s/{link.token}").text)
    response = client.post(
        f"/s/{link.token}", data={"q-grade": "g5", "submission_id": submission_id}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert STALE in page
    assert '<p class="em" id="e-clear">Дайте відповідь на це питання.</p>' in page
    assert count(Response) == 0


def test_staff_forms_are_still_protected_globally(client, member):
    response = client.post("/login", data={"email": member.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Сторінка застаріла" in response.get_data(as_text=True)


def test_https_post_needs_no_referer(client, link):
    """Browsers send no Referer (our policy is no-referrer); the form must not depend on it."""
    https = "https://localhost"
    csrf_token, submission_id = form_tokens(client.get(f"/s/{link.token}", base_url=https).text)
    response = client.post(
        f"/s/{link.token}",
        base_url=https,
        data={**ANSWERS, "csrf_token": csrf_token, "submission_id": submission_id},
    )
    assert response.status_code == 303
    assert count(Response) == 1
