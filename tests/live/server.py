"""The pieces of the live-server layer: the data it serves, the server, and a browser.

``build_world`` fills a migrated database the way an installation gets its data (``anketa init``
then ``anketa demo``, through the same service functions) and adds the identities the layer
logs in as. ``GunicornServer`` runs the production command (``gunicorn 'app:create_app()'``) on
a free loopback port. ``Browser`` is a cookie-keeping HTTP client that never follows redirects,
so every answer is seen as the server gave it.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from app import create_app
from app.analysis.results import ROLES
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
#: Long and uncommon: the password rules may only get stricter.
PASSWORD = "live-layer-Пароль-2026-" + secrets.token_hex(4)
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /livez (two workers import the app)


@dataclass(frozen=True)
class Identity:
    """Who logs in: the e-mail, the school's id (None for an admin) and the staff role."""

    email: str
    school_id: int | None
    role: str  # "admin" | "member" | "director"


@dataclass
class World:
    """What the served database holds, by id: what the layer fills URL arguments from."""

    identities: dict[str, Identity]
    #: campaign id → its school's id; the campaigns the layer requests.
    campaigns: dict[int, int]
    demo_campaign: int  # the demo school's current campaign (responses of every role)
    own_campaign: int  # a demo-school campaign with its own (editable) questionnaires
    other_campaign: int  # the other school's campaign
    school_names: dict[int, str]
    #: school slug → school id; the schools' own copies of a direction: direction id → school
    #: id, and (direction id, role) → the first question key of the copy's latest version.
    school_slugs: dict[str, int]
    copies: dict[int, int]
    copy_keys: dict[tuple[int, str], str]
    #: (campaign id, role) → respondent token, first question key, number of responses.
    tokens: dict[tuple[int, str], str]
    question_keys: dict[tuple[int, str], str]
    responses: dict[tuple[int, str], int]
    static_files: list[str]
    #: campaign id → id of an uploaded CSV waiting for confirmation (made over HTTP).
    uploads: dict[int, str] = field(default_factory=dict)
    import_csv: bytes = b""


#: A demo-school member the crawl never logs in as: it starts the own questionnaires, and the
#: logout test logs it out everywhere without ending the crawl's sessions.
LOGOUT_EMAIL = "live-builder@example.org"


def build_world(database_url: str) -> World:
    """Migrate the database, load the library, create the demo school (``anketa demo``) and the
    layer's users, another school with a campaign, and a demo campaign with own questionnaires
    (the other school's campaign gets its own too, so each school has a copy to edit). Returns
    what was made, by id."""
    from flask_migrate import upgrade

    from app.builder.service import start_own_questionnaires
    from app.exports.rows import export_structure
    from app.exports.writers import header_row
    from app.models import Campaign, Questionnaire
    from app.staff import services
    from app.staff.demo import DEMO_DIRECTION, DEMO_SLUG, create_demo
    from app.surveys.definitions.library import load_questionnaires

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "live-setup"})
    with app.app_context():
        upgrade()
        load_questionnaires()
        demo = create_demo()
        other = services.create_school("live-other", "Ліцей «Інший» (тест)")
        other_campaign = services.create_campaign(other, DEMO_DIRECTION, "2024-2025")
        own_campaign = services.create_campaign(demo.school, DEMO_DIRECTION, "2025-2026")
        people = {
            "admin": ("live-admin@example.org", "admin", None),
            "member": ("live-member@example.org", "member", DEMO_SLUG),
            "director": ("live-director@example.org", "director", DEMO_SLUG),
            "other_school": ("live-other@example.org", "member", other.slug),
        }
        identities = {}
        for name, (email, role, slug) in people.items():
            user = services.create_user(email, role, PASSWORD, slug)
            identities[name] = Identity(email, user.school_id, role)
        member = services.create_user(LOGOUT_EMAIL, "member", PASSWORD, DEMO_SLUG)
        start_own_questionnaires(own_campaign, member, "library")
        start_own_questionnaires(other_campaign, None, "library")
        db.session.commit()
        current = demo.campaigns[-1]
        campaigns = [current, own_campaign, other_campaign]
        tokens, keys, responses = {}, {}, {}
        for campaign in campaigns:
            counts = campaign.response_counts()
            for link in campaign.links:
                tokens[(campaign.id, link.role)] = link.token
                responses[(campaign.id, link.role)] = counts.get(link.role, 0)
            for role in ROLES:
                latest = Questionnaire.latest(campaign.direction_id, role)
                if latest is not None and latest.questions:
                    keys[(campaign.id, role)] = latest.questions[0].key
        copies = {c.direction_id: c.school_id for c in campaigns if c.direction.school_id}
        copy_keys = {
            (direction_id, role): latest.questions[0].key
            for direction_id in copies
            for role in ROLES
            if (latest := Questionnaire.latest(direction_id, role)) and latest.questions
        }
        structure = export_structure(db.session.get(Campaign, current.id))
        header = header_row(structure.questions["teachers"])
        world = World(
            identities=identities,
            campaigns={c.id: c.school_id for c in campaigns},
            demo_campaign=current.id,
            own_campaign=own_campaign.id,
            other_campaign=other_campaign.id,
            school_names={c.school_id: c.school.name for c in campaigns},
            school_slugs={c.school.slug: c.school_id for c in campaigns},
            copies=copies,
            copy_keys=copy_keys,
            tokens=tokens,
            question_keys=keys,
            responses=responses,
            static_files=sorted(
                p.relative_to(app.static_folder).as_posix()
                for p in Path(app.static_folder).rglob("*")
                if p.is_file()
            ),
            import_csv=_csv_line(header[1:3]) + _csv_line(["2025-03-01", ""]),
        )
        db.session.remove()
        db.engine.dispose()
    return world


def _csv_line(cells: list[str]) -> bytes:
    return (",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\r\n").encode()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerFailed(RuntimeError):
    """gunicorn exited or did not answer in time; the message carries its stderr."""


class GunicornServer:
    """The production server on a free loopback port: 2 sync workers, env-configured app."""

    def __init__(
        self, database_url: str, log_path: Path, app_spec: str = "app:create_app()"
    ) -> None:
        self.app_spec = app_spec
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "live-" + secrets.token_hex(16),
            "ANKETA_BASE_URL": self.base,
        }
        self.env.pop("FLASK_DEBUG", None)
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start gunicorn (its workers import the app meanwhile: call :meth:`wait` next)."""
        command = [
            sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", self.app_spec,
        ]  # fmt: skip
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait(self) -> None:
        """Wait for /livez. Raises ServerFailed (with gunicorn's output) if gunicorn exited or
        did not answer within START_TIMEOUT; it is stopped then."""
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise ServerFailed(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(self.base + "/livez", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ServerFailed(
            f"gunicorn did not answer /livez in {START_TIMEOUT:.0f} s:\n{self.log()}"
        )

    def log(self, tail: int = 6000) -> str:
        """Return the end of gunicorn's output (its stderr and the app's request log)."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-tail:]

    def errors(self, tail: int = 8000) -> str:
        """Return gunicorn's output without the request log's lines of answers below 500."""
        lines = [
            line
            for line in self.log(10**7).splitlines()
            if not (line.startswith('{"time"') and '"status": 5' not in line)
        ]
        return "\n".join(lines)[-tail:]

    def stop(self) -> None:
        """Terminate gunicorn (SIGTERM: graceful), kill it if it is still there after 10 s."""
        if self.process is None or self.process.poll() is not None:
            if self.process is not None and not self._log.closed:
                self._log.close()
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        finally:
            self._log.close()


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as the server gave it (redirects are not followed)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A cookie-keeping client of one identity (standard library only)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def request(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """Send GET (or POST when ``data`` is given) for ``path``; return the answer."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as answer:
                return Answer(answer.status, _headers(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, _headers(error.headers), error.read())

    def get(self, path: str) -> Answer:
        return self.request(path)

    def csrf_token(self, path: str) -> str:
        """Return the CSRF token of the form on ``path``. Raises AssertionError if none."""
        page = self.get(path)
        found = CSRF.search(page.body.decode("utf-8", "replace"))
        assert found, f"no csrf_token on {path} ({page.status})"
        return found.group(1)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        """POST a urlencoded form."""
        body = urllib.parse.urlencode(fields).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_file(self, path: str, fields: dict[str, str], name: str, file: tuple[str, bytes]):
        """POST a multipart form with one file field ``name`` = (filename, bytes)."""
        boundary = "----anketa-live-" + secrets.token_hex(8)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            .encode() for key, value in fields.items()
        ]  # fmt: skip
        filename, content = file
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content + b"\r\n"
        )  # fmt: skip
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def login(self, email: str, password: str) -> Answer:
        """Log in through the real /login form (CSRF on, as in production)."""
        token = self.csrf_token("/login")
        return self.post("/login", {"csrf_token": token, "email": email, "password": password})


def _headers(message) -> dict[str, str]:  # noqa: ANN001
    return {key.lower(): value for key, value in message.items()}
