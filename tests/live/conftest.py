"""Fixtures of the live-server layer: one database and one gunicorn per test session.

The database is the layer's own (a file on SQLite; a throw-away database on the PostgreSQL
server named by ``ANKETA_TEST_POSTGRES``), never the one the rest of the suite empties after
every test. The server is stopped at the end even when a test fails; when it cannot start,
every test of the layer fails with gunicorn's own output instead of hanging.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts.throwaway_postgres import throwaway_database
from tests.live.server import PASSWORD, Browser, GunicornServer, ServerFailed, World, build_world


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("ANKETA_TEST_POSTGRES")
    if server:
        with throwaway_database(server, prefix="anketa_live") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'anketa.db'}"


@pytest.fixture(scope="session")
def live_world(live_database_url: str) -> World:
    return build_world(live_database_url)


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest,
    live_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GunicornServer]:
    """gunicorn serving the world: launched first, so its workers boot while the database is
    being filled (nothing before the first request touches the database)."""
    server = GunicornServer(live_database_url, tmp_path_factory.mktemp("gunicorn") / "out.log")
    server.launch()
    try:
        try:
            request.getfixturevalue("live_world")
            server.wait()
        except ServerFailed as error:
            pytest.fail(str(error), pytrace=False)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browsers(live_server: GunicornServer, live_world: World) -> dict[str, Browser]:
    """A logged-in browser per identity, and ``anonymous`` (never logged in)."""
    logged_in = {"anonymous": Browser(live_server.base)}
    for name, identity in live_world.identities.items():
        browser = Browser(live_server.base)
        answer = browser.login(identity.email, PASSWORD)
        assert answer.status in (302, 303) and "/login" not in answer.location, (
            f"{name} could not log in: {answer.status} {answer.location}"
        )
        logged_in[name] = browser
    return logged_in
