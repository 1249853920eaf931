"""Load benchmark: many students submitting the same questionnaire at once, under gunicorn.

For each database (a throw-away PostgreSQL database on the test server, and SQLite in WAL mode
in a temporary folder) it migrates, loads the bundled questionnaires, creates a school and a
campaign, starts gunicorn on a free loopback port with production settings (CSRF on), and then:

1. **baseline** — N concurrent clients GET ``/livez`` (same app, same server, no database
   work), so the figures below mean something on a noisy, shared machine;
2. **submit** — N concurrent simulated students, each GETs the students' form (keeping the
   session cookie), reads ``csrf_token`` and ``submission_id`` from the page, ticks an answer
   to every question and POSTs it, expecting ``303 See Other``;
3. **verify** — every acknowledged (303) submission id is stored exactly once, no stored
   response lacks its answers, nothing is stored twice.

It prints requests/s, submissions/s, p50/p95/p99 latency per request kind, errors, and the CPU
seconds used by the client (this process) and by the server (gunicorn master + workers), and
exits 1 if anything acknowledged was lost or duplicated. Traffic goes to 127.0.0.1 only.

    .venv/bin/python benchmarks/submit.py                      # both databases, 50 clients
    .venv/bin/python benchmarks/submit.py --db postgres --clients 50 --submissions 3000
    .venv/bin/python benchmarks/submit.py --worker-class gthread --threads 4

The building blocks (``prepare_database``, ``Server``, ``Student``…) are also used by
tests/test_fault_kill.py, which SIGKILLs the server in the middle of a run.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET_KEY = "benchmark-" + secrets.token_hex(16)
HOST = "127.0.0.1"

CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_ID = re.compile(r'name="submission_id" type="hidden" value="([^"]+)"')
CHOICE = re.compile(r'<input type="(radio|checkbox)" name="(q-[^"]+)" value="([^"]+)"')
TEXTAREA = re.compile(r'<textarea name="(q-[^"]+)"')


# --- the database -----------------------------------------------------------------------------


def postgres_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A throw-away database on the server, dropped afterwards (scripts/throwaway_postgres.py)."""
    from scripts.throwaway_postgres import throwaway_database

    return throwaway_database(server_url, prefix="anketa_bench")


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """Yield the URL of a fresh SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="anketa-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'anketa.db'}"


def prepare_database(database_url: str, role: str = "students") -> str:
    """Migrate, load the bundled questionnaires, create a school and an open campaign.

    Returns the respondent token of ``role``'s link.
    """
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import School
    from app.staff.services import create_campaign
    from app.surveys.definitions.library import load_questionnaires

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        load_questionnaires()
        school = School(slug=f"bench-{secrets.token_hex(3)}", name="Ліцей №1 (навантаження)")
        db.session.add(school)
        db.session.commit()
        campaign = create_campaign(school, "assessment-system", "2024-2025", title="Навантаження")
        link = campaign.link_for(role)
        assert link is not None
        token = link.token
        db.session.remove()
        db.engine.dispose()
    return token


@dataclass(frozen=True)
class StoredCheck:
    """What the database holds after a run, against what the server acknowledged."""

    stored: int
    distinct: int
    acknowledged: int
    lost: int
    duplicated: int
    unacknowledged_stored: int
    without_answers: int

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.without_answers == 0


def check_stored(database_url: str, acknowledged: set[str]) -> StoredCheck:
    """Compare the stored responses with the acknowledged submission ids."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            ids = conn.execute(text("SELECT submission_id FROM response")).scalars().all()
            without_answers = conn.execute(
                text(
                    "SELECT count(*) FROM response r WHERE NOT EXISTS "
                    "(SELECT 1 FROM answer a WHERE a.response_id = r.id)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    stored = set(ids)
    return StoredCheck(
        stored=len(ids),
        distinct=len(stored),
        acknowledged=len(acknowledged),
        lost=len(acknowledged - stored),
        duplicated=len(ids) - len(stored),
        unacknowledged_stored=len(stored - acknowledged),
        without_answers=without_answers,
    )


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving ``app:create_app()`` on loopback, in its own process group."""

    def __init__(
        self,
        database_url: str,
        port: int | None = None,
        workers: int | None = None,
        worker_class: str = "sync",
        threads: int = 1,
        log_path: Path | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.workers = workers or 2 * (os.cpu_count() or 1) + 1
        self.worker_class = worker_class
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: object | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30) -> None:
        """Start gunicorn and wait until ``/livez`` answers; raise RuntimeError otherwise."""
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "app:create_app()",
        ]
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET_KEY,
            "PYTHONPATH": str(ROOT),
            # gunicorn reads ./gunicorn.conf.py, which refuses to start without a base URL.
            "ANKETA_BASE_URL": self.base,
        }
        env.pop("ANKETA_TEST_POSTGRES", None)
        self._log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,  # its own process group: kill master and workers at once
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                status, _, _ = request("GET", f"{self.base}/livez", timeout=2)
                if status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer /livez in time")

    def kill(self) -> None:
        """SIGKILL the master and every worker (the whole process group), like a power cut."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
        self._close_log()

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM), or kill it after 10 s."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) of the master and its workers so far."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = _proc_stat(entry.name)
                if stat and stat[1] == self.process.pid:
                    pids.append(int(entry.name))
        ticks = os.sysconf("SC_CLK_TCK")
        return sum((_proc_stat(str(pid)) or (0, 0, 0.0))[2] for pid in pids) / ticks

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _proc_stat(pid: str) -> tuple[int, int, float] | None:
    """Return (pid, ppid, utime+stime ticks) from /proc/<pid>/stat, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(pid), int(fields[1]), float(fields[11]) + float(fields[12])


# --- the client -------------------------------------------------------------------------------


def request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request on a fresh connection; return (status, headers, body)."""
    assert url.startswith(f"http://{HOST}:"), "benchmark traffic stays on loopback"
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, "/" + path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


@dataclass
class FormPage:
    """What a student's browser keeps from the form page: cookie, tokens and the fields."""

    cookie: str
    csrf_token: str | None
    submission_id: str
    answers: list[tuple[str, str]] = field(default_factory=list)

    def body(self) -> bytes:
        fields = [("submission_id", self.submission_id), *self.answers]
        if self.csrf_token is not None:
            fields.insert(0, ("csrf_token", self.csrf_token))
        return urlencode(fields).encode()


def read_form(page: str, cookie: str) -> FormPage:
    """Parse the form: tokens, and a complete answer (first option of each choice question,
    first two of each multiple-choice one, a short text for each open question)."""
    submission = SUBMISSION_ID.search(page)
    if submission is None:
        raise ValueError("the form has no submission_id")
    csrf = CSRF_TOKEN.search(page)
    answers: list[tuple[str, str]] = []
    ticked: dict[str, int] = {}
    for kind, name, value in CHOICE.findall(page):
        limit = 1 if kind == "radio" else 2
        if ticked.get(name, 0) < limit:
            ticked[name] = ticked.get(name, 0) + 1
            answers.append((name, html.unescape(value)))
    answers.extend((name, "Більше практичних завдань.") for name in TEXTAREA.findall(page))
    return FormPage(cookie, csrf.group(1) if csrf else None, submission.group(1), answers)


def _session_cookie(headers: dict[str, str]) -> str:
    value = headers.get("set-cookie", "")
    return value.split(";", 1)[0] if value.startswith("session=") else ""


class Student:
    """One simulated student: GET the form, then POST a complete answer to it."""

    def __init__(self, base: str, token: str) -> None:
        self.url = f"{base}/s/{token}"

    def get_form(self) -> tuple[float, FormPage | None, int]:
        """Return (seconds, the parsed form or None, status)."""
        started = time.perf_counter()
        status, headers, body = request("GET", self.url)
        elapsed = time.perf_counter() - started
        if status != 200:
            return elapsed, None, status
        return elapsed, read_form(body.decode(), _session_cookie(headers)), status

    def post(self, form: FormPage) -> tuple[float, int]:
        """Return (seconds, status): 303 means acknowledged."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if form.cookie:
            headers["Cookie"] = form.cookie
        started = time.perf_counter()
        status, _, _ = request("POST", self.url, form.body(), headers)
        return time.perf_counter() - started, status


# --- the load phases -------------------------------------------------------------------------


@dataclass
class Phase:
    """Timings and outcomes of one load phase."""

    name: str
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def run_clients(
    phase: Phase, clients: int, jobs: int, job: Callable[[Phase], None], server: Server
) -> Phase:
    """Run ``jobs`` calls of ``job`` from ``clients`` threads; fill in time and CPU."""
    remaining = iter(range(jobs))
    remaining_lock = threading.Lock()

    def worker() -> None:
        while True:
            with remaining_lock:
                if next(remaining, None) is None:
                    return
            try:
                job(phase)
            except (OSError, http.client.HTTPException, ValueError) as error:
                phase.error(type(error).__name__)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    cpu_before, server_before = resource.getrusage(resource.RUSAGE_SELF), server.cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    phase.client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    phase.server_cpu = server.cpu_seconds() - server_before
    return phase


def baseline_job(base: str) -> Callable[[Phase], None]:
    def job(phase: Phase) -> None:
        started = time.perf_counter()
        status, _, _ = request("GET", f"{base}/livez")
        phase.record("GET /livez", time.perf_counter() - started)
        if status != 200:
            phase.error(f"/livez {status}")

    return job


def submit_job(base: str, token: str) -> Callable[[Phase], None]:
    student = Student(base, token)

    def job(phase: Phase) -> None:
        seconds, form, status = student.get_form()
        phase.record("GET form", seconds)
        if form is None:
            phase.error(f"GET {status}")
            return
        seconds, status = student.post(form)
        phase.record("POST answers", seconds)
        if status == 303:
            with phase.lock:
                phase.acknowledged.add(form.submission_id)
        else:
            phase.error(f"POST {status}")

    return job


def print_phase(phase: Phase, submissions: bool) -> None:
    rate = phase.requests / phase.seconds if phase.seconds else 0.0
    line = f"  {phase.name:<9} {phase.requests:>6} requests in {phase.seconds:6.2f} s = "
    line += f"{rate:7.1f} requests/s"
    if submissions:
        line += f", {len(phase.acknowledged) / phase.seconds:6.1f} submissions/s"
    print(line)
    for kind, values in phase.latencies.items():
        ms = [value * 1000 for value in values]
        print(
            f"    {kind:<13} p50 {percentile(ms, 50):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms"
            f"  p99 {percentile(ms, 99):6.1f} ms  max {max(ms):6.1f} ms"
        )
    errors = ", ".join(f"{what} ×{n}" for what, n in sorted(phase.errors.items())) or "none"
    print(f"    errors: {errors}")
    print(
        f"    CPU: client {phase.client_cpu:5.1f} s, server {phase.server_cpu:5.1f} s "
        f"({phase.server_cpu / phase.seconds * 100:4.0f} % of one core)"
    )


def benchmark(name: str, database_url: str, args: argparse.Namespace) -> bool:
    """Run baseline, submit and verify on one database; print the figures; return success."""
    token = prepare_database(database_url)
    server = Server(
        database_url, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    print(
        f"\n== {name}: gunicorn {server.workers} × {args.worker_class}"
        f"{f' × {args.threads} threads' if args.threads > 1 else ''}, {args.clients} clients"
    )
    with server:
        warm = Phase("warm-up")
        run_clients(warm, args.clients, 2 * server.workers, submit_job(server.base, token), server)
        baseline = run_clients(
            Phase("baseline"),
            args.clients,
            2 * args.submissions,
            baseline_job(server.base),
            server,
        )
        submit = run_clients(
            Phase("submit"),
            args.clients,
            args.submissions,
            submit_job(server.base, token),
            server,
        )
    print_phase(baseline, submissions=False)
    print_phase(submit, submissions=True)
    base_rate = baseline.requests / baseline.seconds
    submit_rate = submit.requests / submit.seconds
    post_rate = len(submit.acknowledged) / submit.seconds
    print(
        f"  ratio: submit requests/s ÷ baseline requests/s = {submit_rate / base_rate:.0%}"
        f"; acknowledged POSTs/s ÷ baseline requests/s = {post_rate / base_rate:.0%}"
    )
    check = check_stored(database_url, warm.acknowledged | submit.acknowledged)
    print(
        f"  verify: acknowledged {check.acknowledged}, stored {check.stored} "
        f"({check.distinct} distinct), lost {check.lost}, duplicated {check.duplicated}, "
        f"stored but unacknowledged {check.unacknowledged_stored}, "
        f"responses without answers {check.without_answers} -> "
        f"{'OK' if check.ok else 'FAILED'}"
    )
    return check.ok and not submit.errors


def postgres_reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument(
        "--postgres", default=os.environ.get("ANKETA_BENCH_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="default 2 × cores + 1")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    print(f"{os.cpu_count()} cores; {args.submissions} submissions per run")

    ok = True
    if args.db in ("postgres", "both"):
        if postgres_reachable(args.postgres):
            with postgres_database(args.postgres) as url:
                ok = benchmark("PostgreSQL", url, args) and ok
        elif args.db == "postgres":
            print(f"PostgreSQL is not reachable at {args.postgres}")
            return 2
        else:
            print(f"(PostgreSQL is not reachable at {args.postgres}: skipped)")
    if args.db in ("sqlite", "both"):
        with sqlite_database() as url:
            ok = benchmark("SQLite (WAL)", url, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
