"""The ``anketa`` console script: happy paths with stored rows, and one-line errors.

Happy paths run in-process on the test app (``runner``). The error behaviour is checked on the
real console script in a subprocess: exit status non-zero, exactly one line on stderr, no
traceback — for every staff command and for the other commands' unknown campaign ids.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import Campaign, School, User
from tests import factories

ANKETA = Path(sys.executable).with_name("anketa")
ROOT = Path(__file__).resolve().parent.parent


# --- in-process happy paths -------------------------------------------------------------------


@pytest.fixture
def library(app):
    direction = factories.make_direction()
    return direction, factories.small_questionnaires(direction)


def test_schools_create(runner):
    result = runner.invoke(args=["schools", "create", "licei-7", "--name", "  Ліцей №7  "])
    assert result.exit_code == 0, result.output
    school = School.by_slug("licei-7")
    assert school is not None and school.name == "Ліцей №7" and not school.is_demo
    assert "licei-7" in result.output


def test_users_create_from_stdin(runner, school):
    result = runner.invoke(
        args=["users", "create", "Olena@A.UA", "--role", "member", "--school", "school-a"]
        + ["--password-stdin"],
        input="long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = User.by_email("olena@a.ua")
    assert user is not None
    assert (user.role, user.school_id) == ("member", school.id)
    assert user.check_password("long enough secret")


def test_users_create_from_prompt(runner):
    result = runner.invoke(
        args=["users", "create", "root@anketa.ua", "--role", "admin"],
        input="s3cret-password\ns3cret-password\n",
    )
    assert result.exit_code == 0, result.output
    user = User.by_email("root@anketa.ua")
    assert user is not None and user.role == "admin" and user.school_id is None
    assert user.check_password("s3cret-password")
    assert "s3cret-password" not in result.output  # the prompt is hidden


def test_campaigns_create(app, runner, school, library):
    app.config["ANKETA_BASE_URL"] = "https://anketa.example.ua"
    result = runner.invoke(
        args=["campaigns", "create", "--school", "school-a", "--direction", "test-direction"]
        + ["--year", "2024-2025", "--opens", "2025-02-03", "--closes", "2025-04-18"]
    )
    assert result.exit_code == 0, result.output
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.school_id == school.id
    assert campaign.academic_year == "2024-2025"
    assert str(campaign.opens_on) == "2025-02-03" and str(campaign.closes_on) == "2025-04-18"
    assert f"id {campaign.id}" in result.output
    for link in campaign.links:
        assert f"{link.role}: https://anketa.example.ua/s/{link.token}" in result.output
    assert len(re.findall(r"https://anketa\.example\.ua/s/\S{22,}", result.output)) == 3


def test_campaigns_create_default_base_url_and_title(runner, school, library):
    result = runner.invoke(
        args=["campaigns", "create", "--school", "school-a", "--direction", "test-direction"]
        + ["--year", "2023-2024", "--title", "Весна"]
    )
    assert result.exit_code == 0, result.output
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.title == "Весна"
    assert f"students: http://127.0.0.1:5000/s/{campaign.link_for('students').token}" in (
        result.output
    )


def test_campaigns_list(runner, school, library):
    assert runner.invoke(args=["campaigns", "list"]).output == "Кампаній немає.\n"
    direction, questionnaires = library
    older = factories.make_campaign(school, direction, questionnaires, year="2023-2024")
    newer = factories.make_campaign(school, direction, questionnaires, year="2024-2025")
    other = factories.make_campaign(
        factories.make_school("school-b", "Ліцей №2"), direction, questionnaires
    )
    factories.make_responses(newer, "parents", [({"understand": "full"}, 2)])
    result = runner.invoke(args=["campaigns", "list", "--school", "school-a"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{newer.id}\tschool-a\t2024-2025\tСамооцінювання 2024-2025\t"
        "teachers 0, students 0, parents 2",
        f"{older.id}\tschool-a\t2023-2024\tСамооцінювання 2023-2024\t"
        "teachers 0, students 0, parents 0",
    ]
    everything = runner.invoke(args=["campaigns", "list"]).output
    assert f"{other.id}\tschool-b\t" in everything and len(everything.splitlines()) == 3


def test_init_creates_the_first_admin_once(runner):
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    match = re.search(
        r"Увійдіть на http://127\.0\.0\.1:5000/login як admin@anketa\.local, пароль: (\S+)",
        first.output,
    )
    assert match, first.output
    admin = User.by_email("admin@anketa.local")
    assert admin is not None and admin.role == "admin" and admin.school_id is None
    assert admin.check_password(match.group(1))
    assert len(match.group(1)) >= 12

    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "Користувачі вже є" in second.output
    assert "пароль" not in second.output
    assert len(db.session.scalars(select(User)).all()) == 1


def test_init_does_not_add_an_admin_when_users_exist(runner, member):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert User.by_email("admin@anketa.local") is None


# --- the real console script: one line on stderr, non-zero exit -------------------------------


def _env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ANKETA_"))}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x"})
    return env


def anketa(database: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANKETA), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(database),
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def console_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with a school, a member and a small library direction."""
    database = tmp_path_factory.mktemp("console") / "anketa.db"
    assert anketa(database, "db", "upgrade").returncode == 0
    assert anketa(database, "schools", "create", "school-a", "--name", "Гімназія").returncode == 0
    created = anketa(
        database,
        *("users", "create", "taken@a.ua", "--role", "member", "--school", "school-a"),
        "--password-stdin",
        stdin="long enough secret\n",
    )
    assert created.returncode == 0, created.stderr
    return database


CAMPAIGN = ["campaigns", "create", "--school", "school-a", "--direction", "assessment-system"]
USER = ["users", "create"]

BAD_INPUT = {
    "unknown school": (
        ["campaigns", "create", "--school", "nope", "--direction", "x", "--year", "2024-2025"],
        "Заклад «nope» не знайдено",
    ),
    "bad year": ([*CAMPAIGN, "--year", "2024"], "2024-2025"),
    "non-consecutive year": ([*CAMPAIGN, "--year", "2024-2026"], "два роки поспіль"),
    "bad date": ([*CAMPAIGN, "--year", "2024-2025", "--opens", "03.02.2025"], "РРРР-ММ-ДД"),
    "impossible date": ([*CAMPAIGN, "--year", "2024-2025", "--closes", "2025-02-30"], "--closes"),
    "closes before opens": (
        [*CAMPAIGN, "--year", "2024-2025", "--opens", "2025-04-01", "--closes", "2025-03-01"],
        "раніше дати початку",
    ),
    "unknown direction": (
        [
            "campaigns",
            "create",
            "--school",
            "school-a",
            "--direction",
            "nope",
            "--year",
            "2024-2025",
        ],
        "Напрям «nope» не знайдено",
    ),
    "list unknown school": (["campaigns", "list", "--school", "nope"], "Заклад «nope»"),
    "campaign missing option": (["campaigns", "create", "--school", "school-a"], "--direction"),
    "bad role": ([*USER, "a@a.ua", "--role", "janitor", "--password-stdin"], "Невідома роль"),
    "duplicate email": (
        [*USER, "TAKEN@a.ua", "--role", "member", "--school", "school-a", "--password-stdin"],
        "уже існує",
    ),
    "bad email": ([*USER, "not-an-email", "--role", "admin", "--password-stdin"], "пошти"),
    "member without school": (
        [*USER, "m@a.ua", "--role", "member", "--password-stdin"],
        "--school",
    ),
    "admin with school": (
        [*USER, "r@a.ua", "--role", "admin", "--school", "school-a", "--password-stdin"],
        "приберіть --school",
    ),
    "user unknown school": (
        [*USER, "d@a.ua", "--role", "director", "--school", "nope", "--password-stdin"],
        "Заклад «nope» не знайдено",
    ),
    "short password": ([*USER, "s@a.ua", "--role", "admin", "--password-stdin"], "10 символів"),
    "user missing role": ([*USER, "x@a.ua", "--password-stdin"], "--role"),
    "set-password unknown email": (
        ["users", "set-password", "nobody@a.ua", "--password-stdin"],
        "Користувача nobody@a.ua не знайдено",
    ),
    "set-password short": (
        ["users", "set-password", "TAKEN@a.ua", "--password-stdin"],
        "10 символів",
    ),
    "deactivate unknown email": (
        ["users", "deactivate", "nobody@a.ua"],
        "Користувача nobody@a.ua не знайдено",
    ),
    "set-password missing email": (["users", "set-password"], "EMAIL"),
    "bad slug": (["schools", "create", "Ліцей 1", "--name", "Ліцей"], "недопустимий"),
    "slug with capitals": (["schools", "create", "Licei-1", "--name", "Ліцей"], "недопустимий"),
    "slug too long": (["schools", "create", "a" * 65, "--name", "Ліцей"], "до 64 символів"),
    "duplicate slug": (["schools", "create", "school-a", "--name", "Ще одна"], "уже існує"),
    "school missing name": (["schools", "create", "licei-2"], "--name"),
    "unknown command": (["frobnicate"], "frobnicate"),
    "unknown subcommand": (["campaigns", "destroy"], "destroy"),
    "demo bad seed": (["demo", "--seed", "abc"], "abc"),
    # The other areas' commands, on a campaign that does not exist.
    "analyze unknown campaign": (["analyze", "999999", "--json"], "999999"),
    "analyze campaign not a number": (["analyze", "abc"], "abc"),
    "report unknown campaign": (["report", "999999", "-o", "/tmp/never.docx"], "999999"),
    "texts unknown campaign": (["texts", "show", "999999"], "999999"),
    "level unknown campaign": (["level", "clear", "999999"], "999999"),
    "questionnaires missing path": (["questionnaires", "check", "/no/such/dir"], "/no/such/dir"),
    "export unknown campaign": (["export", "999999", "-o", "/tmp/never.xlsx"], "999999"),
}

#: Click's own usage errors, in Ukrainian: (arguments, the whole line).
USAGE_ERRORS = {
    "unknown command": (
        ["frobnicate"],
        "Помилка: невідома команда «frobnicate». (див. «anketa --help»)",
    ),
    "unknown subcommand": (
        ["campaigns", "destroy"],
        "Помилка: невідома команда «destroy». (див. «anketa campaigns --help»)",
    ),
    "missing option": (
        ["campaigns", "create", "--school", "school-a"],
        "Помилка: не вказано параметр --direction. (див. «anketa campaigns create --help»)",
    ),
    "missing argument": (
        ["analyze"],
        "Помилка: не вказано аргумент CAMPAIGN. (див. «anketa analyze --help»)",
    ),
    "not an integer": (
        ["analyze", "abc"],
        "Помилка: неприпустиме значення CAMPAIGN: «abc» — не ціле число."
        " (див. «anketa analyze --help»)",
    ),
    "unknown option": (
        ["analyze", "1", "--jsn"],
        "Помилка: невідомий параметр --jsn. Можливо, --json? (див. «anketa analyze --help»)",
    ),
    "bad choice": (
        ["export", "1", "-o", "x.csv", "--role", "janitor"],
        "Помилка: неприпустиме значення --role: допустимі значення: teachers, students, parents."
        " (див. «anketa export --help»)",
    ),
    "extra argument": (
        ["report", "1", "2"],
        "Помилка: зайві аргументи: 2. (див. «anketa report --help»)",
    ),
}


@pytest.mark.parametrize("args, expected", list(USAGE_ERRORS.values()), ids=list(USAGE_ERRORS))
def test_usage_errors_are_ukrainian(monkeypatch, capsys, console_db, args, expected):
    status, _out, err = run_main(monkeypatch, capsys, console_db, args)
    assert status == 2
    assert err.strip() == expected


def run_main(monkeypatch, capsys, database: Path, args: list[str], stdin: str = "") -> tuple:
    """Run ``app.cli.main`` in-process (the console entry point) on ``database``.

    Returns (exit status, stdout, stderr). Faster than a subprocess per case; the subprocess
    tests below check that the installed script behaves the same.
    """
    import io

    from app.cli import main

    for name, value in _env(database).items():
        monkeypatch.setenv(name, value)
    for name in [name for name in os.environ if name.startswith(("FLASK_", "ANKETA_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = 0
    try:
        main(args)
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("args, expected", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_one_line_on_stderr(monkeypatch, capsys, console_db, args, expected):
    status, out, err = run_main(monkeypatch, capsys, console_db, args, stdin="short\n")
    assert status != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Помилка:"), lines[0]
    assert expected in lines[0]
    assert "Traceback" not in err + out


@pytest.mark.parametrize("name", ["bad year", "duplicate email", "unknown command"])
def test_console_script_errors_are_one_line(console_db, name):
    args, expected = BAD_INPUT[name]
    result = anketa(console_db, *args, stdin="short\n")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Помилка:") and expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_failed_commands_store_nothing(console_db):
    with sqlite3.connect(console_db) as conn:
        assert conn.execute("SELECT slug FROM school").fetchall() == [("school-a",)]
        assert conn.execute("SELECT email FROM user").fetchall() == [("taken@a.ua",)]
        assert conn.execute("SELECT count(*) FROM campaign").fetchone() == (0,)


def test_demo_without_library_is_one_line(tmp_path):
    database = tmp_path / "empty.db"
    assert anketa(database, "db", "upgrade").returncode == 0
    env_dir = tmp_path / "no-questionnaires"
    env_dir.mkdir()
    result = subprocess.run(
        [str(ANKETA), "demo"],
        capture_output=True,
        text=True,
        env={**_env(database), "ANKETA_QUESTIONNAIRES_DIR": str(env_dir)},
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Помилка:"), result.stderr
    assert "Traceback" not in result.stderr


def test_console_init_and_login(tmp_path):
    """``anketa init`` on a fresh file: schema, library, the admin's password printed once."""
    database = tmp_path / "fresh.db"
    first = anketa(database, "init")
    assert first.returncode == 0, first.stderr
    match = re.search(r"як admin@anketa\.local, пароль: (\S+)", first.stdout)
    assert match, first.stdout
    with sqlite3.connect(database) as conn:
        (password_hash,) = conn.execute(
            "SELECT password_hash FROM user WHERE email = 'admin@anketa.local'"
        ).fetchone()
    assert check_password_hash(password_hash, match.group(1))
    second = anketa(database, "init")
    assert second.returncode == 0, second.stderr
    assert "Користувачі вже є" in second.stdout
    assert match.group(1) not in second.stdout
