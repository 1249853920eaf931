"""Error pages and domain errors shared by the views and the CLI."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
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


@dataclass(frozen=True)
class ErrorPage:
    """What an error page says, and (for the API) what its JSON answer says instead."""

    status: int
    title: LazyString
    message: LazyString
    api_error: LazyString | None = None

    def html(self) -> tuple[str, int]:
        """Return the rendered page and its status."""
        page = render_template("error.html", title=str(self.title), message=str(self.message))
        return page, self.status

    def answer(self) -> tuple[str, int] | Response:
        """Return the page, or a JSON body for a path under /api/ when the page has one."""
        if self.api_error is not None and request.path.startswith(API_PREFIX):
            body = json.dumps({"error": str(self.api_error)}, ensure_ascii=False)
            return Response(body, status=self.status, mimetype="application/json")
        return self.html()


# The error pages by the status or exception they handle (a CSRFError is a 400 of its own).
ERROR_PAGES: dict[int | type[Exception], ErrorPage] = {
    404: ErrorPage(
        404,
        _l("Сторінку не знайдено"),
        _l("Такої сторінки немає. Перевірте посилання."),
        api_error=_l("Не знайдено."),  # the API answers in JSON, matched or not
    ),
    400: ErrorPage(
        400,
        _l("Недопустимий запит"),
        _l("Запит пошкоджений. Поверніться назад і спробуйте ще раз."),
    ),
    403: ErrorPage(403, _l("Доступ заборонено"), _l("У вас немає прав для цієї дії.")),
    405: ErrorPage(
        405, _l("Недопустимий запит"), _l("Цю сторінку не можна відкрити таким способом.")
    ),
    413: ErrorPage(413, _l("Завеликий запит"), _l("Надіслані дані завеликі.")),
    CSRFError: ErrorPage(400, _l("Сторінка застаріла"), _l("Оновіть сторінку і спробуйте ще раз.")),
    500: ErrorPage(500, _l("Щось пішло не так"), _l("Спробуйте, будь ласка, ще раз пізніше.")),
}
SERVICE_UNAVAILABLE = ErrorPage(
    503, _l("Сервіс тимчасово недоступний"), _l("Спробуйте, будь ласка, за хвилину.")
)


def _handler(page: ErrorPage) -> Callable[[Exception], tuple[str, int] | Response]:
    def handle(error: Exception) -> tuple[str, int] | Response:
        return page.answer()

    return handle


def register(app: Flask) -> None:
    """Install the HTML error pages: no stack trace ever reaches a user."""
    for key, page in ERROR_PAGES.items():
        app.register_error_handler(key, _handler(page))

    def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
        # The connection may be gone: then rolling back fails too, and the pool replaces it.
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            db.session.rollback()
        app.logger.error("database unavailable: %s", type(error).__name__)
        page, status = SERVICE_UNAVAILABLE.html()
        return page, status, {"Retry-After": "30"}

    for exception in DATABASE_UNAVAILABLE:
        app.register_error_handler(exception, database_unavailable)
