"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
``ANKETA_TEST_POSTGRES`` names a server), a client, a CLI runner and logged-in clients.

The schema comes from the Alembic migrations (once per session), so every test run also checks
that the migrations build what the models expect. Each test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings

os.environ.setdefault("SECRET_KEY", "test-secret-key")

# The fuzz tests draw new cases on every developer's run, which is how they find bugs; in CI
# (CI=true) they replay one fixed sequence instead, so a submission is judged on its own change
# and not failed by a case that no earlier run happened to draw. ANKETA_FUZZ_RANDOM=1 brings the
# random draws back there.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") and not os.environ.get("ANKETA_FUZZ_RANDOM"):
    settings.load_profile("ci")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from scripts.throwaway_postgres import throwaway_database  # noqa: E402
from tests import factories  # noqa: E402


def _postgres_database(server_url: str) -> Iterator[str]:
    """Yield a throw-away database on the server (parallel runs never share one)."""
    with throwaway_database(server_url, prefix="anketa_test") as url:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("ANKETA_TEST_POSTGRES")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'anketa.db'}"


def _test_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": "localhost",
    }


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """Apply the Alembic migrations once per test session; return the database URL."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (the suite's database kind), for migration tests
    that go down and up without touching the shared one."""
    server = os.environ.get("ANKETA_TEST_POSTGRES")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'migration.db'}"


@pytest.fixture
def migrated_app(own_database: str) -> Iterator[Flask]:
    """An app on :func:`own_database`, upgraded to the newest migration."""
    from flask_migrate import upgrade

    app = create_app(_test_config(own_database))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change settings (e.g. turn CSRF on)."""
    return {}


@pytest.fixture
def app(migrated_database: str, app_config: dict) -> Iterator[Flask]:
    app = create_app({**_test_config(migrated_database), **app_config})
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def school(app: Flask):
    return factories.make_school("school-a", "Гімназія №1")


@pytest.fixture
def member(school):
    return factories.make_user("member@a.ua", role="member", school=school)


@pytest.fixture
def director(school):
    return factories.make_user("director@a.ua", role="director", school=school)


@pytest.fixture
def admin_user(app: Flask):
    return factories.make_user("admin@anketa.ua", role="admin", school=None)


@pytest.fixture
def member_client(client: FlaskClient, member) -> FlaskClient:
    factories.login(client, member.email)
    return client


@pytest.fixture
def director_client(client: FlaskClient, director) -> FlaskClient:
    factories.login(client, director.email)
    return client


@pytest.fixture
def questionnaires_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "questionnaires"
