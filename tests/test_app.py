"""The factory, the migrations and the basic wiring."""

from sqlalchemy import inspect

from app.extensions import db


def test_migrations_create_every_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "school",
        "user",
        "direction",
        "questionnaire",
        "question",
        "option",
        "campaign",
        "respondent_link",
        "response",
        "answer",
    } <= tables


def test_staff_pages_redirect_to_login(client):
    response = client.get("/campaigns/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Сторінку не знайдено" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_login_and_logout(client, member):
    from tests.factories import login

    login(client, member.email)
    assert client.get("/campaigns/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/campaigns/").status_code == 302


def test_wrong_password_is_refused_and_counted(client, member):
    response = client.post("/login", data={"email": member.email, "password": "nope"})
    assert response.status_code == 200
    assert "Невірна пошта або пароль" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.failed_logins == 1
