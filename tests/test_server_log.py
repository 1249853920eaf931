"""gunicorn's own log, with the project's gunicorn.conf.py, holds neither the client's address
nor a respondent token: not for a malformed request line, not for an error while a response
is streamed, not in an access log even when one is asked for on the command line."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.gunicorn_log import RedactingFormatter
from app.request_log import redact
from app.staff import services
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (
            "Invalid request from ip=127.0.0.1: Invalid HTTP request line: 'GET /s/Ab-c_9'",
            "Invalid request from ip=…: Invalid HTTP request line: 'GET /s/…'",
        ),
        ("Error handling request /s/Ab-c_9/thanks?x=1", "Error handling request /s/…/thanks?x=1"),
        ("from 10.0.0.7:53124 and [2001:db8::7]:443", "from …:53124 and […]:443"),
        ("peer ::ffff:192.168.0.1.", "peer …."),
        ("GET /campaigns/5/results at 06:23:23, gunicorn 27.0.1", None),  # nothing to hide
    ],
)
def test_redact(line, redacted):
    assert redact(line) == (redacted or line)


def test_the_formatter_redacts_the_traceback_too():
    try:
        raise RuntimeError("failed at /s/SECRETTOKEN for 203.0.113.9")
    except RuntimeError:
        record = logging.LogRecord(
            "gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s",
            ("/s/SECRETTOKEN",), sys.exc_info(),
        )  # fmt: skip
    text = RedactingFormatter("%(message)s").format(record)
    assert "Error handling request /s/…" in text
    assert "RuntimeError: failed at /s/… for …" in text
    assert "SECRETTOKEN" not in text and "203.0.113.9" not in text
    assert record.getMessage() == "Error handling request /s/SECRETTOKEN"  # not changed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> int | None:
    """GET ``path``; return the status, or None when the connection broke off."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError):
        return None
    finally:
        connection.close()


def raw(port: int, data: bytes) -> bytes:
    with socket.create_connection((HOST, port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        with contextlib.suppress(OSError):
            while chunk := connection.recv(4096):
                chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def token(school) -> str:
    direction = factories.make_direction()
    factories.small_questionnaires(direction)
    campaign = services.create_campaign(school, direction.code, "2024-2025")
    return campaign.link_for("students").token


@pytest.mark.slow
def test_gunicorn_log_has_no_address_and_no_token(migrated_database, token, tmp_path):
    port = free_port()
    stderr_path = tmp_path / "stderr.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": migrated_database,
        "SECRET_KEY": "test-secret-key",
        "ANKETA_BASE_URL": "https://anketa.school.ua",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
        "--workers", "1", "--bind", f"{HOST}:{port}",
        "--access-logfile", "-",  # asked for: PrivateLogger writes none anyway
        "tests.gunicorn_probe:app",
    ]  # fmt: skip
    with stderr_path.open("wb") as stderr:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=stderr, stderr=stderr, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while get(port, "/livez") != 200:
                assert server.poll() is None, stderr_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer /livez"
                time.sleep(0.1)
            assert get(port, f"/s/{token}") == 200
            assert get(port, f"/s/{token}/thanks") in (200, 302, 303)
            # A request line without a version: «Invalid request from ip=… : … line: 'GET /s/…'».
            assert raw(port, f"GET /s/{token}\r\n\r\n".encode()).startswith(b"HTTP/1.1 400")
            assert raw(port, b"\x16\x03\x01 not http at all\r\n\r\n").startswith(b"HTTP/1.1 400")
            # An error after the headers went out: gunicorn logs it with the URI and traceback.
            assert get(port, f"/s/{token}", {"X-Anketa-Probe": "stream-error"}) in (200, None)
            time.sleep(0.5)  # let the worker write its log lines
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    log = stderr_path.read_text()
    assert "Invalid request from ip=…" in log, log
    assert "Error handling request" in log and "RuntimeError: stream broke at /s/…" in log, log
    assert token not in log
    assert HOST not in log
    assert '"route": "/s/<token>"' in log  # the app's own request log is still there
