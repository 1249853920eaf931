"""Anketa: self-assessment surveys for schools.

``create_app`` is the only way to get an application; there is no module-level app.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from app.config import check_production, is_production, load_config
from app.extensions import babel, csrf, db, login_manager, migrate
from app.private_files import private_folder, private_sqlite

SUPPORTED_LOCALES = ("uk", "ru", "bg", "en")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The largest id a route accepts: PostgreSQL's ``integer`` (SQLite's ids are 64-bit).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """The ``int`` converter of every route: an id from 1 to ``MAX_ID``; anything else is 404.

    Werkzeug's own accepts any number of digits, so ``/campaigns/2147483648`` reached PostgreSQL
    («integer out of range») and ``/campaigns/9223372036854775808`` SQLite (OverflowError): 500.
    """

    def __init__(self, map: Any, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL so readers never block the respondent's write; foreign keys on; wait, don't fail."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _select_locale() -> str:
    if not has_request_context():  # CLI commands and background work speak Ukrainian
        return "uk"
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "uk"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Return a configured application; ``config`` overrides settings (tests pass their own)."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    private_folder(Path(app.instance_path))
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    private_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
    if is_production() and not (app.testing or app.debug):
        check_production()  # gunicorn.conf.py refuses earlier (one line); this is for the rest

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)

    from app import api, auth, errors, health, request_log, security
    from app.builder import views as builder_views
    from app.cli import register_commands
    from app.dashboard import views as dashboard_views
    from app.exports import views as export_views
    from app.imports import views as import_views
    from app.reports import views as report_views
    from app.staff import views as staff_views
    from app.surveys.respondent import views as survey_views

    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(survey_views.bp)
    app.register_blueprint(staff_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(report_views.bp)
    app.register_blueprint(builder_views.bp)
    app.register_blueprint(import_views.bp)
    app.register_blueprint(dashboard_views.bp)
    app.register_blueprint(export_views.bp)
    errors.register(app)
    security.register(app)
    request_log.register(app)
    register_commands(app)
    return app
