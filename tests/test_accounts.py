"""Account rules: passwords, the lockout's counting, equal hash work, revocable sessions and the
``anketa users`` commands. The parallel lockout test on a real server is test_login_race.py."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import update

import app.auth as auth
from app.accounts import common_passwords, password_problem
from app.auth import LOCKOUT, MAX_FAILED_LOGINS, authenticate
from app.extensions import db
from app.models import User, utcnow
from tests import factories

# --- password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, expected",
    [
        ("", "щонайменше 10 символів"),
        ("Gimn-2025", "щонайменше 10 символів"),  # 9 characters
        (" " * 12, "лише з пробілів"),
        (" \t\n\u00a0" * 3, "лише з пробілів"),
        (" ", "лише з пробілів"),
        ("qwertyuiop", "надто поширений"),
        ("QwertyUIOP", "надто поширений"),
        ("  Password123  ", "надто поширений"),
        ("1234567890", "надто поширений"),
        ("ЙЦУКЕНГШЩЗ", "надто поширений"),
        ("україна2025", "надто поширений"),
    ],
)
def test_password_problem_refuses(app, password, expected):
    assert expected in (password_problem(password) or "")


@pytest.mark.parametrize(
    "password", [factories.PASSWORD, "ten chars!", "Гімназія-вчителі-2025", "  with spaces  "]
)
def test_password_problem_accepts(app, password):
    assert password_problem(password) is None


def test_every_bundled_common_password_is_refused(app):
    assert 200 <= len(common_passwords()) <= 1000
    for password in common_passwords():
        assert password_problem(password) is not None, password
        assert password_problem(password.upper()) is not None, password


def test_an_all_whitespace_password_could_never_be_typed_into_the_login_form(client, school):
    # Why the rule exists: the form's required check strips the value, so such an account
    # (created by hand, past the rules) can never log in.
    factories.make_user("spaces@a.ua", school=school, password=" " * 12)
    response = client.post("/login", data={"email": "spaces@a.ua", "password": " " * 12})
    assert response.status_code == 200
    assert client.get("/campaigns/").status_code == 302


@pytest.mark.parametrize(
    "password, expected",
    [("Gimn-2025", "10 символів"), (" " * 12, "пробілів"), ("Password123", "поширений")],
)
def test_users_create_applies_the_rules(runner, school, password, expected):
    result = runner.invoke(
        args=["users", "create", "new@a.ua", "--role", "member", "--school", school.slug]
        + ["--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert expected in str(result.exception)
    assert User.by_email("new@a.ua") is None


# --- the lockout's counting --------------------------------------------------------------------


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_correct_password_does_not_forgive_the_failures(client, member):
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert authenticate(member.email, "wrong password") is None
    assert authenticate(member.email, factories.PASSWORD) is not None
    assert authenticate(member.email, "wrong password") is None
    assert fresh(member).locked_until is not None
    assert authenticate(member.email, factories.PASSWORD) is None


def test_failures_further_apart_than_the_lockout_start_a_new_count(app, member):
    for _ in range(MAX_FAILED_LOGINS - 1):
        authenticate(member.email, "wrong password")
    long_ago = utcnow() - LOCKOUT - timedelta(seconds=1)
    db.session.execute(update(User).where(User.id == member.id).values(last_failed_at=long_ago))
    db.session.commit()
    authenticate(member.email, "wrong password")
    user = fresh(member)
    assert (user.failed_logins, user.locked_until) == (1, None)


def test_a_lock_set_during_the_password_check_refuses_the_right_password(app, member, monkeypatch):
    real_check = auth.check_password_hash

    def check_while_another_worker_locks(pwhash: str, password: str) -> bool:
        db.session.execute(
            update(User).where(User.id == member.id).values(locked_until=utcnow() + LOCKOUT)
        )
        db.session.commit()
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", check_while_another_worker_locks)
    assert authenticate(member.email, factories.PASSWORD) is None


def test_a_lock_set_right_after_the_right_password_ends_that_new_session(app, member, monkeypatch):
    """The race CI once hit on PostgreSQL: the right password's UPDATE finds the account
    unlocked, then a parallel fifth failure locks it (bumping the session version) before the
    login has read the version for its cookie. The cookie must carry the version the UPDATE
    saw, so the lock ends this session too."""
    real_unlock = auth._unlocked_after_success

    def unlock_then_another_worker_locks(user_id: int) -> int | None:
        version = real_unlock(user_id)
        bump = User.session_version + 1
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(locked_until=utcnow() + LOCKOUT, session_version=bump)
        )
        db.session.commit()
        return version

    monkeypatch.setattr(auth, "_unlocked_after_success", unlock_then_another_worker_locks)
    client = app.test_client()
    data = {"email": member.email, "password": factories.PASSWORD}
    assert request(app, client, "POST", "/login", data=data).status_code == 302
    assert request(app, client, "GET", "/campaigns/").status_code == 302


def test_the_lock_ends_the_accounts_sessions(app, member):
    client, attacker = app.test_client(), app.test_client()
    with app.app_context():
        factories.login(client, member.email)
    assert request(app, client, "GET", "/campaigns/").status_code == 200
    for _ in range(MAX_FAILED_LOGINS):
        data = {"email": member.email, "password": "wrong password"}
        assert request(app, attacker, "POST", "/login", data=data).status_code == 200
    assert request(app, client, "GET", "/campaigns/").status_code == 302


# --- the same hash work in every case ----------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Record the hash of every password check ``authenticate`` makes."""
    checked: list[str] = []
    real_check = auth.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", spy)
    return checked


def lock(user: User) -> None:
    user.locked_until = utcnow() + LOCKOUT
    db.session.commit()


def deactivate(user: User) -> None:
    user.active = False
    db.session.commit()


@pytest.mark.parametrize(
    "case, email, password, prepare",
    [
        ("unknown account", "nobody@a.ua", factories.PASSWORD, None),
        ("wrong password", "member@a.ua", "wrong password", None),
        ("right password", "member@a.ua", factories.PASSWORD, None),
        ("locked account", "member@a.ua", factories.PASSWORD, lock),
        ("inactive account", "member@a.ua", factories.PASSWORD, deactivate),
    ],
)
def test_every_attempt_checks_exactly_one_scrypt_hash(
    app, member, hash_checks, case, email, password, prepare
):
    if prepare:
        prepare(member)
    authenticate(email, password)
    assert len(hash_checks) == 1, case
    # The dummy hash has the real one's method and parameters, so it costs the same.
    method = member.password_hash.split("$", 1)[0]
    assert method.startswith("scrypt:")
    assert hash_checks[0].split("$", 1)[0] == method


def test_the_dummy_hash_is_computed_once_per_process(app, member, hash_checks):
    authenticate("nobody@a.ua", "x")
    authenticate("nobody-else@a.ua", "y")
    assert hash_checks[0] == hash_checks[1] != member.password_hash


@pytest.mark.slow
def test_unknown_and_wrong_password_timings_are_within_20_percent(app, member):
    authenticate("warm-up@a.ua", "x")  # the dummy hash is made on first use

    def seconds(email: str) -> float:
        start = time.perf_counter()
        authenticate(email, "wrong password")
        return time.perf_counter() - start

    unknown, wrong = [], []
    for _ in range(7):  # interleaved, and the fastest of each: a busy spell skews neither
        unknown.append(seconds("nobody@a.ua"))
        wrong.append(seconds(member.email))
        # Keep the real account below the lock, so every round measures the same path.
        db.session.execute(
            update(User).where(User.id == member.id).values(failed_logins=0, last_failed_at=None)
        )
        db.session.commit()
    assert 0.8 < min(unknown) / min(wrong) < 1.2, (min(unknown), min(wrong))


# --- sessions ----------------------------------------------------------------------------------


def request(app, client, method: str, url: str, **kwargs):
    """Send a request in an app context of its own, as a real server does: the test client
    otherwise reuses the fixture's context, and with it Flask-Login's user of the last request."""
    with app.app_context():
        return client.open(url, method=method, **kwargs)


def copy_of_session(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str, name: str = "session"):
    """Return the staff start page's answer to another browser holding a copy of the cookie."""
    other = app.test_client()
    other.set_cookie(name, cookie, domain="localhost")
    return request(app, other, "GET", "/campaigns/")


def test_an_old_cookie_is_refused_after_logout(app, member_client):
    cookie = copy_of_session(member_client)
    assert replay(app, cookie).status_code == 200
    request(app, member_client, "POST", "/logout")
    response = replay(app, cookie)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_the_users_other_sessions_too(app, member):
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        with app.app_context():
            factories.login(client, member.email)
    assert request(app, laptop, "GET", "/campaigns/").status_code == 200
    request(app, phone, "POST", "/logout")
    assert request(app, laptop, "GET", "/campaigns/").status_code == 302


def test_an_old_cookie_is_refused_after_users_set_password(app, runner, member_client, member):
    cookie = copy_of_session(member_client)
    result = runner.invoke(
        args=["users", "set-password", member.email, "--password-stdin"],
        input="a brand new password\n",
    )
    assert result.exit_code == 0, result.output
    assert replay(app, cookie).status_code == 302
    assert request(app, member_client, "GET", "/campaigns/").status_code == 302
    assert fresh(member).check_password("a brand new password")


def test_an_old_cookie_is_refused_after_users_deactivate(app, runner, member_client, member):
    cookie = copy_of_session(member_client)
    result = runner.invoke(args=["users", "deactivate", member.email])
    assert result.exit_code == 0, result.output
    assert replay(app, cookie).status_code == 302
    assert fresh(member).active is False


def test_a_deactivated_user_with_the_current_version_is_still_refused(app, member_client, member):
    assert request(app, member_client, "GET", "/campaigns/").status_code == 200
    member.active = False  # changed by hand, without ending the sessions
    db.session.commit()
    assert request(app, member_client, "GET", "/campaigns/").status_code == 302


def test_a_session_from_before_the_session_version_is_refused(app, member):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)  # what sessions held before migration 0006
        session["_fresh"] = True
    assert request(app, client, "GET", "/campaigns/").status_code == 302


def test_a_remember_cookie_carries_the_version_too(app, member):
    with app.test_request_context():
        remembered = encode_cookie(member.get_id())
    assert replay(app, remembered, "remember_token").status_code == 200
    member.end_sessions()
    db.session.commit()
    assert replay(app, remembered, "remember_token").status_code == 302


class TestLoginRotatesTheSession:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"WTF_CSRF_ENABLED": True}

    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def session_data(self, app, client) -> dict:
        serializer = app.session_interface.get_signing_serializer(app)
        return serializer.loads(copy_of_session(client))

    def test_no_pre_login_session_or_csrf_token_survives(self, app, client, member):
        login_page = request(app, client, "GET", "/login")
        token = self.CSRF.search(login_page.text).group(1)
        before_cookie = copy_of_session(client)
        before = self.session_data(app, client)
        assert before["csrf_token"]
        data = {"email": member.email, "password": factories.PASSWORD, "csrf_token": token}
        assert request(app, client, "POST", "/login", data=data).status_code == 302
        after = self.session_data(app, client)
        assert copy_of_session(client) != before_cookie
        assert after.get("csrf_token") != before["csrf_token"]
        assert after["_user_id"] == member.get_id()
        # A page after login gets a new token, and the pre-login one no longer works.
        form_page = request(app, client, "GET", "/campaigns/new")
        new_token = self.CSRF.search(form_page.text).group(1)
        assert new_token != token
        stale = request(app, client, "POST", "/logout", data={"csrf_token": token})
        assert stale.status_code == 400
        assert request(app, client, "GET", "/campaigns/").status_code == 200
        logout = request(app, client, "POST", "/logout", data={"csrf_token": new_token})
        assert logout.status_code == 302
        assert request(app, client, "GET", "/campaigns/").status_code == 302


# --- anketa users ------------------------------------------------------------------------------


def test_set_password_from_a_prompt_lifts_the_lockout(app, runner, member, client):
    user = fresh(member)
    user.failed_logins, user.locked_until = 3, utcnow() + LOCKOUT
    db.session.commit()
    result = runner.invoke(
        args=["users", "set-password", "MEMBER@a.ua"],
        input="another long secret\nanother long secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "another long secret" not in result.output  # the prompt is hidden
    assert "Пароль користувача member@a.ua змінено" in result.output
    user = fresh(member)
    assert (user.failed_logins, user.locked_until) == (0, None)
    factories.login(client, member.email, "another long secret")


def test_set_password_refuses_a_bad_password_and_changes_nothing(runner, member):
    before = (member.password_hash, member.session_version)
    result = runner.invoke(
        args=["users", "set-password", member.email, "--password-stdin"], input="qwertyuiop\n"
    )
    assert result.exit_code != 0
    assert "надто поширений" in str(result.exception)
    user = fresh(member)
    assert (user.password_hash, user.session_version) == before


def test_set_password_for_an_unknown_email_asks_nothing(runner, member):
    result = runner.invoke(args=["users", "set-password", "nobody@a.ua"], input="")
    assert result.exit_code != 0
    assert "Користувача nobody@a.ua не знайдено" in str(result.exception)
    assert "Пароль" not in result.output


def test_deactivate_refuses_login_and_is_idempotent(runner, client, member):
    result = runner.invoke(args=["users", "deactivate", member.email])
    assert result.exit_code == 0
    assert "вимкнено" in result.output
    version = fresh(member).session_version
    again = runner.invoke(args=["users", "deactivate", member.email])
    assert again.exit_code == 0
    assert fresh(member).session_version == version
    response = client.post("/login", data={"email": member.email, "password": factories.PASSWORD})
    assert response.status_code == 200


def test_users_list(runner, member, director, admin_user):
    director.active = False
    member.locked_until = utcnow() + LOCKOUT
    db.session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.output.strip().splitlines()]
    assert [line[:4] for line in lines] == [
        ["admin@anketa.ua", "admin", "—", "активний"],
        ["director@a.ua", "director", "school-a", "вимкнений"],
        ["member@a.ua", "member", "school-a", "активний"],
    ]
    assert lines[0][4] == lines[1][4] == "не заблоковано"
    assert lines[2][4].startswith("заблоковано до ")


def test_users_list_without_users(runner):
    result = runner.invoke(args=["users", "list"])
    assert result.output.strip() == "Користувачів немає."
