"""Configuration from the environment.

Every setting has a safe default for a single-school installation on SQLite; a regional
server sets ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY`` and ``ANKETA_SECURE_COOKIES``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "questionnaires"


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: Path) -> dict[str, Any]:
    """Return the configuration mapping built from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'anketa.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    secure = _flag("ANKETA_SECURE_COOKIES")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure,
        # A student may keep the form open through a whole lesson: the token lives as long
        # as the browser session instead of expiring after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "uk",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Kyiv",
        "ANKETA_QUESTIONNAIRES_DIR": os.environ.get("ANKETA_QUESTIONNAIRES_DIR", str(LIBRARY_DIR)),
        # Privacy: no breakdown shows a group smaller than this (never below 3).
        "ANKETA_MIN_GROUP_SIZE": max(3, int(os.environ.get("ANKETA_MIN_GROUP_SIZE", "5"))),
        "ANKETA_MAX_TEXT_LENGTH": 5000,
    }
