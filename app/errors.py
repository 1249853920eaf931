"""Error pages and domain errors shared by the views and the CLI."""

from __future__ import annotations

import contextlib
import json

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.extensions import db

# Refused or dropped connections, a locked SQLite file past its busy timeout, an exhausted pool.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
API_PREFIX = "/api/"


class AnketaError(Exception):
    """A user-caused problem with a message that can be shown as it is (in Ukrainian)."""


class NotFound(AnketaError):
    """Something named by the user does not exist."""


def register(app: Flask) -> None:
    """Install the HTML error pages: no stack trace ever reaches a user."""

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int] | Response:
        if request.path.startswith(API_PREFIX):  # the API answers in JSON, matched or not
            body = json.dumps({"error": _("Не знайдено.")}, ensure_ascii=False)
            return Response(body, status=404, mimetype="application/json")
        return render_template(
            "error.html",
            title=_("Сторінку не знайдено"),
            message=_("Такої сторінки немає. Перевірте посилання."),
        ), 404

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("Недопустимий запит"),
            message=_("Запит пошкоджений. Поверніться назад і спробуйте ще раз."),
        ), 400

    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return render_template(
            "error.html", title=_("Доступ заборонено"), message=_("У вас немає прав для цієї дії.")
        ), 403

    @app.errorhandler(405)
    def method_not_allowed(error: Exception) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("Недопустимий запит"),
            message=_("Цю сторінку не можна відкрити таким способом."),
        ), 405

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        return render_template(
            "error.html", title=_("Завеликий запит"), message=_("Надіслані дані завеликі.")
        ), 413

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("Сторінка застаріла"),
            message=_("Оновіть сторінку і спробуйте ще раз."),
        ), 400

    def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
        # The connection may be gone: then rolling back fails too, and the pool replaces it.
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            db.session.rollback()
        app.logger.error("database unavailable: %s", type(error).__name__)
        return (
            render_template(
                "error.html",
                title=_("Сервіс тимчасово недоступний"),
                message=_("Спробуйте, будь ласка, за хвилину."),
            ),
            503,
            {"Retry-After": "30"},
        )

    for exception in DATABASE_UNAVAILABLE:
        app.register_error_handler(exception, database_unavailable)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("Щось пішло не так"),
            message=_("Спробуйте, будь ласка, ще раз пізніше."),
        ), 500
