"""Security: headers on every kind of page, no inline script anywhere (the CSP forbids it),
session cookie flags, CSRF on every state-changing route, login throttling per account (not per
address), safe redirects after login, unguessable respondent tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.auth import LOCKOUT, MAX_FAILED_LOGINS
from app.extensions import db
from app.models import User, new_token, utcnow
from app.security import CSP
from tests import factories

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


# --- headers ----------------------------------------------------------------------------------


def test_the_policy_forbids_inline_script_and_framing():
    directives = csp_directives(CSP)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in CSP


def respondent_pages(campaign):
    token = campaign.link_for("students").token
    return {
        "form": f"/s/{token}",
        "thanks": f"/s/{token}/thanks",
        "unknown link": "/s/" + "x" * 22,
        "malformed link": "/s/%ff",
    }


def test_respondent_pages_never_send_their_token_as_a_referrer(client, campaign):
    for name, url in respondent_pages(campaign).items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert response.headers["Cache-Control"] == "no-store", name
        assert response.headers["Content-Security-Policy"] == CSP, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["X-Frame-Options"] == "DENY", name


def test_a_posted_answer_page_has_the_same_headers(client, campaign):
    token = campaign.link_for("students").token
    response = client.post(f"/s/{token}", data={"q-clear": "nonsense"})
    assert response.status_code == 400
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/login", "/campaigns/", "/healthz", "/livez", "/nowhere"])
def test_every_other_page_has_the_policy(member_client, url):
    response = member_client.get(url)
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_carries_inline_script(template):
    source = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "inline <script> is blocked by the CSP"
    assert not EVENT_HANDLER.search(source), "on…= handlers are inline script"
    assert not JAVASCRIPT_URL.search(source), "javascript: URLs are inline script"


def test_rendered_staff_pages_carry_no_inline_script(member_client, campaign):
    for url in (
        "/login",
        "/campaigns/",
        "/campaigns/new",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/sheet",
    ):
        page = member_client.get(url).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(page), url
        assert not EVENT_HANDLER.search(page), url


# --- cookies ----------------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client, member):
    response = client.post("/login", data={"email": member.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "; Secure" not in cookie  # plain HTTP on one computer must still work


def test_secure_cookies_when_served_over_https(migrated_database, member, monkeypatch):
    monkeypatch.setenv("ANKETA_SECURE_COOKIES", "1")
    secure_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": migrated_database,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret-key",
        }
    )
    assert secure_app.config["SESSION_COOKIE_SECURE"] is True
    assert secure_app.config["REMEMBER_COOKIE_SECURE"] is True
    client = secure_app.test_client()
    response = client.post(
        "/login",
        data={"email": member.email, "password": factories.PASSWORD},
        base_url="https://anketa.example.org",
    )
    with secure_app.app_context():
        db.engine.dispose()  # close its pooled connection now, not at garbage collection
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_respondent_pages_set_no_cookie_without_csrf(client, campaign):
    token = campaign.link_for("students").token
    assert client.get(f"/s/{token}").headers.getlist("Set-Cookie") == []


# --- login throttling -------------------------------------------------------------------------


def attempt(client, email: str, password: str, address: str):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_lock_the_account_whatever_the_address(client, member, director):
    for number in range(MAX_FAILED_LOGINS):
        response = attempt(client, member.email, "wrong", f"198.51.100.{number}")
        assert response.status_code == 200
        assert "Невірна пошта або пароль" in response.get_data(as_text=True)
    db.session.expire_all()
    locked_until = db.session.get(User, member.id).locked_until
    assert locked_until is not None
    assert timedelta(minutes=14) < locked_until - utcnow() <= LOCKOUT

    # The right password from a new address is refused while locked…
    refused = attempt(client, member.email, factories.PASSWORD, "203.0.113.99")
    assert refused.status_code == 200
    assert client.get("/campaigns/").status_code == 302  # still not logged in
    # …but a colleague behind the same school NAT address logs in at once.
    colleague = attempt(client, director.email, factories.PASSWORD, "198.51.100.0")
    assert colleague.status_code == 302


def test_the_lock_expires(client, member):
    user = db.session.get(User, member.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, member.email, factories.PASSWORD, "192.0.2.1").status_code == 302
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.id == member.id))
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_fewer_failures_than_the_limit_do_not_lock(client, member):
    for _ in range(MAX_FAILED_LOGINS - 1):
        attempt(client, member.email, "wrong", "192.0.2.1")
    assert attempt(client, member.email, factories.PASSWORD, "192.0.2.1").status_code == 302


def test_unknown_accounts_store_nothing(client, member):
    for _ in range(MAX_FAILED_LOGINS + 2):
        assert attempt(client, "nobody@a.ua", "wrong", "192.0.2.1").status_code == 200
    assert db.session.scalars(select(User.email)).all() == [member.email]


# --- redirects after login ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
    ],
)
def test_login_never_redirects_off_site(client, member, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": member.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, member, campaign):
    response = client.post(
        "/login",
        query_string={"next": f"/campaigns/{campaign.id}?tab=links"},
        data={"email": member.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == f"/campaigns/{campaign.id}?tab=links"


# --- tokens -----------------------------------------------------------------------------------


def test_respondent_tokens_carry_128_random_bits():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", token) for token in tokens)
    # 22 URL-safe characters = 132 bits, of which secrets.token_urlsafe(16) fills 128.
    alphabet = {char for token in tokens for char in token}
    assert len(alphabet) == 64


def test_campaign_links_get_distinct_tokens(campaign):
    tokens = [link.token for link in campaign.links]
    assert len(set(tokens)) == 3 and all(len(token) >= 22 for token in tokens)


# --- CSRF on every state-changing route --------------------------------------------------------


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that a refused post changed nothing."""
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def post_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def fill(rule, campaign) -> str:
    """Build a URL for the rule: the campaign's own values, a dummy for anything else (the
    CSRF check runs before the view, so an unknown id still has to be refused with 400)."""
    from flask import url_for
    from werkzeug.routing import IntegerConverter

    values = {"campaign_id": campaign.id, "role": "students", "kind": "png"}
    values["token"] = campaign.link_for("students").token
    for name in rule.arguments:
        if name not in values:
            integer = isinstance(rule._converters.get(name), IntegerConverter)
            values[name] = 1 if integer else "x" * 22
    return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


class TestCsrf:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def logged_in(self, client, member):
        with client.session_transaction() as session:
            session["_user_id"] = member.get_id()
            session["_fresh"] = True
        return client

    def test_every_post_route_refuses_a_post_without_token(self, app, logged_in, campaign):
        rules = post_rules(app)
        assert {rule.endpoint for rule in rules} >= {
            "auth.login",
            "auth.logout",
            "staff.new_campaign",
            "staff.expected_counts",
            "staff.rotate",
            "respondent.entry",
        }
        before = snapshot()
        for rule in rules:
            url = fill(rule, campaign)
            data = {"title": "x", "teachers": "5", "q-clear": "full", "q-grade": "g5"}
            data["submission_id"] = "S" * 22
            response = logged_in.post(url, data=data, headers={"Referer": "http://localhost/"})
            assert response.status_code == 400, (rule.rule, response.status_code)
            assert snapshot() == before, rule.rule
        assert logged_in.get("/campaigns/").status_code == 200  # logout was refused too

    def test_every_post_form_on_the_pages_carries_a_token(self, logged_in, campaign):
        token = campaign.link_for("students").token
        pages = ["/campaigns/", "/campaigns/new", f"/campaigns/{campaign.id}", f"/s/{token}"]
        pages.append(f"/campaigns/{campaign.id}/links/students/rotate")  # a confirmation page
        forms = 0
        for url in pages:
            page = logged_in.get(url).get_data(as_text=True)
            for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S | re.I):
                forms += 1
                assert 'name="csrf_token"' in form, (url, form[:200])
        assert forms >= 4


# --- NUL bytes (PostgreSQL refuses them in text: they were a 500 at the login) ----------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "member@a.ua\x00"), ("password", "x\x00y"), ("email\x00", "member@a.ua")],
)
def test_a_nul_byte_in_staff_input_is_a_400_page(client, member, field, value):
    data = {"email": member.email, "password": factories.PASSWORD, field: value}
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "Недопустимий запит" in response.get_data(as_text=True)
    assert client.get("/campaigns/").status_code == 302  # not logged in


def test_a_nul_byte_in_the_query_string_is_a_400_page(member_client):
    response = member_client.get("/campaigns/", query_string={"page": "1\x00"})
    assert response.status_code == 400
