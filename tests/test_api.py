"""GET /api/v1/campaigns/<id>/results: the same document as ``anketa analyze --json``."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.seed_campaign import make_seed_campaign


@pytest.fixture
def campaign(school):
    return make_seed_campaign(school, respondents={"teachers": 31, "students": 12})


def url(campaign_id: int) -> str:
    return f"/api/v1/campaigns/{campaign_id}/results"


@pytest.mark.parametrize("who", ["member", "director", "admin"])
def test_staff_of_the_school_get_the_same_document_as_the_cli(
    client, runner, campaign, member, director, admin_user, who
):
    factories.login(
        client, {"member": member, "director": director, "admin": admin_user}[who].email
    )
    response = client.get(url(campaign.id))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    cli = runner.invoke(args=["analyze", str(campaign.id), "--json"])
    assert cli.exit_code == 0, cli.output
    assert response.get_json() == json.loads(cli.output)
    assert response.get_json()["respondents"] == {"teachers": 31, "students": 12, "parents": 0}


def test_member_of_another_school_gets_404(client, campaign):
    other = factories.make_school("school-b", "Ліцей №2")
    stranger = factories.make_user("member@b.ua", role="member", school=other)
    factories.login(client, stranger.email)
    response = client.get(url(campaign.id))
    assert response.status_code == 404
    assert "respondents" not in response.get_data(as_text=True)
    assert client.get(url(999_999)).status_code == 404


def test_anonymous_gets_401_without_data(client, campaign):
    response = client.get(url(campaign.id))
    assert response.status_code == 401
    assert response.get_json() == {"error": "Потрібно увійти."}


def test_only_get_is_allowed(member_client, campaign):
    assert member_client.post(url(campaign.id)).status_code == 405
