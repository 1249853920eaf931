"""A throw-away PostgreSQL database for a test session or a benchmark run.

    with throwaway_database("postgresql+psycopg://postgres@127.0.0.1:5432/test") as url:
        ...  # a new, empty database; dropped afterwards, even if its connections are still open

The database gets a random name (``<prefix>_<8 hex digits>``), so parallel runs on one server
never share one. Used by tests/conftest.py and the benchmarks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def throwaway_database(server_url: str, prefix: str = "anketa_tmp") -> Iterator[str]:
    """Create an empty database on the server of ``server_url``; yield its URL; drop it."""
    url = make_url(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
