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
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_login_over_https_with_csrf_on(migrated_database):
    """Browsers send a same-origin Referer on staff pages, so the strict HTTPS check passes."""
    import re

    from app import create_app
    from app.extensions import db
    from tests import factories
    from tests.conftest import _empty_all_tables, _test_config

    app = create_app({**_test_config(migrated_database), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        try:
            user = factories.make_user("https@a.ua", role="admin")
            client = app.test_client()
            page = client.get("/login", base_url="https://localhost")
            assert page.headers["Referrer-Policy"] == "same-origin"
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(True))
            response = client.post(
                "/login",
                base_url="https://localhost",
                headers={"Referer": "https://localhost/login"},
                data={
                    "csrf_token": token.group(1),
                    "email": user.email,
                    "password": factories.PASSWORD,
                },
            )
            assert response.status_code == 302
        finally:
            _empty_all_tables()
            # Close this app's pooled connection now: left to the garbage collector, psycopg's
            # ResourceWarning fails whichever PostgreSQL test happens to run next.
            db.session.remove()
            db.engine.dispose()


def test_gettext_outside_a_request_speaks_ukrainian(app):
    from flask_babel import gettext

    assert gettext("Кампанії") == "Кампанії"


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
