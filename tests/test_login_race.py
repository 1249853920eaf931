"""The lockout holds against parallel attempts on a real server (gunicorn, several workers).

Nine logins at once (eight wrong passwords and the right one), released together by a barrier,
against gunicorn with production settings (CSRF on) on the test database (SQLite here,
PostgreSQL when ``ANKETA_TEST_POSTGRES`` is set). Whatever order the workers run them in, the
account ends locked, the right password is refused while it is, and no session from the burst
works afterwards. The burst is repeated, each time on a freshly unlocked account.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from app.auth import MAX_FAILED_LOGINS
from app.extensions import db
from app.models import User, utcnow
from tests import factories
from tests.test_fault_kill import harness

pytestmark = pytest.mark.slow

BURSTS = 3
WRONG = 8
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One browser: its own session cookie and the CSRF token of the login page it opened."""

    def __init__(self, base: str) -> None:
        self.base = base
        status, headers, body = harness.request("GET", f"{base}/login")
        assert status == 200
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        self.csrf_token = CSRF.search(body.decode()).group(1)

    def login(self, email: str, password: str) -> int:
        """POST the login form; keep the new session cookie; return the status."""
        body = urlencode({"csrf_token": self.csrf_token, "email": email, "password": password})
        status, headers, _body = harness.request(
            "POST",
            f"{self.base}/login",
            body=body.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.cookie,
            },
        )
        if "set-cookie" in headers:
            self.cookie = headers["set-cookie"].split(";", 1)[0]
        return status

    def staff_page_status(self) -> int:
        status, _headers, _body = harness.request(
            "GET", f"{self.base}/campaigns/", headers={"Cookie": self.cookie}
        )
        return status


@pytest.fixture
def server(migrated_database, member, tmp_path):
    with harness.Server(
        migrated_database,
        workers=3,
        worker_class="gthread",
        threads=3,
        log_path=tmp_path / "gunicorn.log",
    ) as running:
        yield running


def burst(base: str, email: str) -> list[tuple[Browser, int]]:
    """Send WRONG wrong logins and one right one at the same moment; return (browser, status)."""
    passwords = [f"wrong-password-{n}" for n in range(WRONG)] + [factories.PASSWORD]
    browsers = [Browser(base) for _ in passwords]
    barrier = threading.Barrier(len(passwords))
    statuses: list[int | None] = [None] * len(passwords)

    def attempt(index: int) -> None:
        barrier.wait()
        statuses[index] = browsers[index].login(email, passwords[index])

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(status in (200, 302) for status in statuses), statuses
    return list(zip(browsers, statuses, strict=True))


def unlock(user_id: int) -> None:
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=0, last_failed_at=None, locked_until=None)
    )
    db.session.commit()


def test_parallel_attempts_lock_the_account_and_the_right_password_is_refused(server, member):
    assert WRONG >= MAX_FAILED_LOGINS
    for _ in range(BURSTS):
        unlock(member.id)
        results = burst(server.base, member.email)
        assert [status for _browser, status in results[:WRONG]] == [200] * WRONG

        db.session.expire_all()
        user = db.session.get(User, member.id)
        assert user.locked_until is not None and user.locked_until > utcnow()
        # The right password, now, from a new browser: refused while locked.
        latecomer = Browser(server.base)
        assert latecomer.login(member.email, factories.PASSWORD) == 200
        assert latecomer.staff_page_status() == 302
        # Even if the right guess got in before the lock was set, its session is gone.
        for browser, _status in results:
            assert browser.staff_page_status() == 302
