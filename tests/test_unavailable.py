"""The database being unavailable: students get a friendly 503 with their answers kept, never a
stack trace; /healthz says 503, /livez still answers (it does no database work)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from app.models import Response
from app.surveys.respondent import views
from tests import factories

ANSWERS = {
    "q-grade": "g6",
    "q-clear": "mostly",
    "q-sources": ["teacher", "site"],
    "q-access": "dont_know",
}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def students(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    return campaign.link_for("students")


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return [(name, html.unescape(value)) for name, value in HIDDEN.findall(page)]


def posted_pairs(data: dict) -> list[tuple[str, str]]:
    pairs = []
    for name, value in data.items():
        pairs.extend((name, item) for item in ([value] if isinstance(value, str) else value))
    return pairs


def unreachable_app(tmp_path):
    """An app whose database cannot be opened (a missing directory for SQLite)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db",
        }
    )


def test_a_failed_store_keeps_every_posted_field_and_the_retry_stores_once(
    client, students, monkeypatch
):
    data = {**ANSWERS, "q-access": "yes", "submission_id": factories.submission_id_for(students)}
    data["q-sources"] = ["teacher", "class_teacher"]

    def database_down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patch:
        patch.setattr(views, "store_response", database_down)
        response = client.post(f"/s/{students.token}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Сервіс тимчасово недоступний" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert sorted(hidden_fields(page)) == sorted(posted_pairs(data))
    assert f'action="/s/{students.token}"' in page
    assert db.session.scalar(select(func.count(Response.id))) == 0

    # «Надіслати ще раз» posts exactly the kept fields; sending them twice stores one response.
    resend = {}
    for name, value in hidden_fields(page):
        resend.setdefault(name, []).append(value)
    for _ in range(2):
        again = client.post(f"/s/{students.token}", data=resend)
        assert again.status_code == 303
    assert db.session.scalar(select(func.count(Response.id))) == 1


def test_text_answers_survive_the_hidden_fields_exactly(client, school, monkeypatch):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    link = campaign.link_for("teachers")
    text = 'Більше "прикладів" <b>і</b> & менше\nтестів'
    data = {"q-understand": "full", "q-comment": text}
    data["submission_id"] = factories.submission_id_for(link)
    monkeypatch.setattr(
        views,
        "store_response",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("x", {}, Exception("down"))),
    )
    page = client.post(f"/s/{link.token}", data=data).get_data(as_text=True)
    assert "<b>і</b>" not in page  # escaped, not injected
    assert ("q-comment", text) in hidden_fields(page)


def test_database_unreachable_before_the_link_is_found(tmp_path):
    client = unreachable_app(tmp_path).test_client()
    token = "T" * 22
    data = {"q-clear": "full", "q-comment": "Дякую", "submission_id": "C" * 22}
    response = client.post(f"/s/{token}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert sorted(hidden_fields(page)) == sorted(data.items())
    assert "Надіслати ще раз" in page

    shown = client.get(f"/s/{token}")
    assert shown.status_code == 503
    assert "оновіть сторінку" in shown.get_data(as_text=True)
    assert hidden_fields(shown.get_data(as_text=True)) == []


@pytest.mark.parametrize("url", ["/login", "/healthz"])
def test_staff_pages_and_health_say_503_without_a_trace(tmp_path, url):
    client = unreachable_app(tmp_path).test_client()
    response = (
        client.post(url, data={"email": "a@b.ua", "password": "x"})
        if url == "/login"
        else client.get(url)
    )
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)


def test_livez_answers_without_a_database(tmp_path):
    response = unreachable_app(tmp_path).test_client().get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
