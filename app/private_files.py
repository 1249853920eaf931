"""Files with personal data, readable by the app's own user only.

The instance folder is 0700; the SQLite database (and the ``-wal``/``-shm`` files SQLite
creates beside it with the database's mode), the secret key and uploaded CSV files waiting for
confirmation are 0600. They were 0644, readable by every local user. Modes are set when a file
is created (never a moment of 0644 in between) and tightened on start for existing files.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _tighten(path: Path, mode: int) -> None:
    """Take away from ``path`` every permission ``mode`` does not give (if it is ours)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            path.chmod(current & mode)
    except OSError:  # gone, or another user's (then not ours to change)
        pass


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, make it 0700; return it."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)
    return path


def open_private(path: Path, mode: str = "wb") -> IO[Any]:
    """Open ``path`` for writing (``"wb"`` or ``"w"``), created or truncated, with mode 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)  # an existing file keeps its mode through O_CREAT
    if "b" in mode:
        return os.fdopen(descriptor, mode)
    return os.fdopen(descriptor, mode, encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` with mode 0600."""
    with open_private(path, "w") as target:
        target.write(text)


def sqlite_path(database_uri: str) -> Path | None:
    """Return the file of a SQLite database URI; None for other databases and in-memory ones."""
    url = make_url(database_uri)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or url.query.get("uri") == "true":
        return None  # a URI filename: SQLite reads it itself
    return Path(database)


def private_sqlite(database_uri: str) -> None:
    """Create the SQLite database file with mode 0600 before SQLite does (0644), and tighten
    an existing one and its -wal, -shm and -journal files. Other databases: nothing."""
    path = sqlite_path(database_uri)
    if path is None:
        return
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))  # an empty file is a new db
    for name in ("", *SQLITE_COMPANIONS):
        _tighten(path.with_name(path.name + name), FILE_MODE)
