"""Configuration from the environment.

Every setting has a safe default for a single-school installation on SQLite; a regional
server sets ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY`` and ``ANKETA_SECURE_COOKIES``. A
production server (gunicorn) must set ``ANKETA_BASE_URL``: printed links and QR codes use it,
never the request's Host header.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from app.errors import AnketaError
from app.private_files import write_private
from app.vocabulary import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR, TIMEZONE_NAME

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "questionnaires"
# Where `anketa run` serves: the links' base in development when ANKETA_BASE_URL is unset.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# A DNS name: dot-separated labels of letters, digits and inner hyphens (IDN as punycode).
_HOSTNAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?")
# Hosts that are this computer: a phone that scans the QR code cannot reach them.
LOCAL_HOSTS = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class ConfigError(AnketaError):
    """A setting in the environment is missing or malformed (the message names it)."""


def parse_base_url(value: str) -> str:
    """Return ``value`` as a base URL for respondent links (``scheme://host[:port]``, lower-case,
    without a trailing slash); raise ConfigError for anything else (another scheme, no host,
    a path, a query, user name or password, spaces)."""
    problem = _(
        "ANKETA_BASE_URL=%(value)s — не адреса сайту: потрібні http:// або "
        "https:// і ім'я сервера, без шляху, наприклад https://anketa.school.ua",
        value=repr(value),
    )
    if not value or value != value.strip() or any(char.isspace() for char in value):
        raise ConfigError(problem)
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(problem) from None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "?" in value
        or "#" in value
        or parts.username is not None
        or not _valid_host(host)
    ):
        raise ConfigError(problem)
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{shown_host}" + (f":{port}" if port is not None else "")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host)) and not host.replace(".", "").isdigit()
    return True


def is_local_base_url(base_url: str) -> bool:
    """Return True when ``base_url`` points at this computer (127.0.0.0/8, ::1, localhost):
    links that no phone can reach."""
    host = (urlsplit(base_url).hostname or "").rstrip(".")
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when the process is a gunicorn server (its arbiter sets SERVER_SOFTWARE)."""
    environ = os.environ if environ is None else environ
    return environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def check_production(environ: Mapping[str, str] | None = None) -> None:
    """Raise ConfigError unless the environment sets a valid ``ANKETA_BASE_URL``: a production
    server must not print links to 127.0.0.1 or to whatever Host header a request sends."""
    environ = os.environ if environ is None else environ
    value = environ.get("ANKETA_BASE_URL", "")
    if not value.strip():
        raise ConfigError(
            _(
                "ANKETA_BASE_URL не задано: вкажіть адресу, за якою телефони відкривають анкети "
                "(наприклад, ANKETA_BASE_URL=https://anketa.school.ua), див. docs/deployment.md"
            )
        )
    parse_base_url(value)


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    write_private(key_file, key)
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
    base_url = os.environ.get("ANKETA_BASE_URL", "")
    return {
        # Printed links and QR codes: always this, never the request's Host header.
        "ANKETA_BASE_URL": parse_base_url(base_url) if base_url else DEFAULT_BASE_URL,
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
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE_NAME,
        "ANKETA_QUESTIONNAIRES_DIR": os.environ.get("ANKETA_QUESTIONNAIRES_DIR", str(LIBRARY_DIR)),
        # Privacy: no breakdown shows a group smaller than this (never below 3).
        "ANKETA_MIN_GROUP_SIZE": max(
            MIN_GROUP_SIZE_FLOOR,
            int(os.environ.get("ANKETA_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE)),
        ),
        "ANKETA_MAX_TEXT_LENGTH": 5000,
    }
