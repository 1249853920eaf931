"""Files with personal data are readable by the app's user only: the instance folder is 0700,
the SQLite database with its -wal and -shm files, the secret key and uploaded CSV files 0600
(they were 0644, readable by every local user)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from app.config import load_config
from app.extensions import db
from app.private_files import private_folder, private_sqlite, sqlite_path
from tests import factories
from tests.test_import import HEADER, ROWS, csv_bytes, make_import_campaign
from tests.test_import_web import confirm_url, upload


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask of most servers (022): files would be 0644 unless created otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"ANKETA_IMPORT_DIR": str(tmp_path / "instance" / "imports")}


def test_the_instance_folder_is_0700(app):
    assert mode(app.instance_path) == 0o700


def test_private_folder_creates_and_tightens(tmp_path):
    created = private_folder(tmp_path / "a" / "instance")
    assert mode(created) == 0o700
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    assert mode(existing) == 0o755
    private_folder(existing)
    assert mode(existing) == 0o700


def test_a_new_sqlite_database_and_its_wal_files_are_0600(tmp_path):
    database = tmp_path / "anketa.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        reader = sqlite3.connect(database)  # a second connection keeps -wal and -shm around
        try:
            reader.execute("SELECT count(*) FROM school").fetchone()
            factories.make_school("x", "X")  # a write: the -wal file fills
            names = sorted(path.name for path in tmp_path.iterdir())
            assert names == ["anketa.db", "anketa.db-shm", "anketa.db-wal"]
            assert {name: mode(tmp_path / name) for name in names} == dict.fromkeys(names, 0o600)
        finally:
            reader.close()
            db.session.remove()
            db.engine.dispose()


def test_an_existing_readable_database_is_tightened_on_start(tmp_path):
    database = tmp_path / "anketa.db"
    sqlite3.connect(database).close()
    (tmp_path / "anketa.db-wal").write_bytes(b"")
    os.chmod(database, 0o644)
    os.chmod(tmp_path / "anketa.db-wal", 0o644)
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    assert mode(database) == 0o600
    assert mode(tmp_path / "anketa.db-wal") == 0o600


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("sqlite:////srv/anketa/anketa.db", Path("/srv/anketa/anketa.db")),
        ("sqlite:///relative.db", Path("relative.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://anketa@127.0.0.1/anketa", None),
    ],
)
def test_sqlite_path(uri, path):
    assert sqlite_path(uri) == path


def test_postgresql_has_no_files_to_protect(tmp_path):
    private_sqlite("postgresql+psycopg://anketa@127.0.0.1/anketa")  # nothing, no error
    assert list(tmp_path.iterdir()) == []


def test_a_generated_secret_key_is_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    key = load_config(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text() == key
    assert mode(tmp_path / "secret_key") == 0o600


def test_uploaded_csv_files_are_0600_in_a_0700_folder(app, member_client, school):
    campaign = make_import_campaign(school)
    url = confirm_url(upload(member_client, campaign, csv_bytes([HEADER, *ROWS])))
    folder = Path(app.config["ANKETA_IMPORT_DIR"])
    upload_id = url.rsplit("/", 1)[1]
    stored = sorted(folder.iterdir())
    assert [path.name for path in stored] == [f"{upload_id}.csv", f"{upload_id}.json"]
    assert [mode(path) for path in stored] == [0o600, 0o600]
    assert mode(folder) == 0o700
    assert member_client.get(url).status_code == 200  # the app still reads them
