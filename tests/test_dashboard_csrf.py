"""The dashboard's forms with CSRF protection on (as in production)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests import factories

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": True, "WTF_CSRF_SSL_STRICT": False}


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


@pytest.fixture
def logged_in(client, member):
    page = client.get("/login")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        data={"email": member.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def test_texts_post_with_token_saves(logged_in, campaign):
    url = f"/campaigns/{campaign.id}/texts"
    token = TOKEN.search(logged_in.get(url).get_data(as_text=True)).group(1)
    response = logged_in.post(url, data={"csrf_token": token, "closing": "Кінець."})
    assert response.status_code == 303
    db.session.refresh(campaign)
    assert campaign.report_texts["closing"] == "Кінець."


@pytest.mark.parametrize("path", ["texts", "level"])
def test_post_without_token_is_refused(logged_in, campaign, path):
    response = logged_in.post(
        f"/campaigns/{campaign.id}/{path}",
        data={"closing": "Кінець.", "level_override": "high",
              "level_justification": "Довге обґрунтування рівня."},
    )  # fmt: skip
    assert response.status_code == 400
    db.session.refresh(campaign)
    assert campaign.report_texts in ({}, None)
    assert campaign.level_override is None


def test_level_post_with_token_from_results_page(logged_in, campaign):
    page = logged_in.get(f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    response = logged_in.post(
        f"/campaigns/{campaign.id}/level",
        data={"csrf_token": token, "level_override": "high",
              "level_justification": "Довге обґрунтування рівня."},
    )  # fmt: skip
    assert response.status_code == 303
    db.session.refresh(campaign)
    assert campaign.level_override == "high"
