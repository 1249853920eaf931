"""One structured log line per request, with no personal data.

Logged: method, route pattern (the respondent token is never logged: the URL rule is, not the
URL), status, duration. Not logged: IP address, user agent, cookies, query strings, form data.
Flask's own «Exception on /s/<the token> [POST]» line for a 500 gets the route pattern too.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, Response, g, has_request_context, request

logger = logging.getLogger("anketa.requests")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line (fields given in ``extra={"fields": …}``)."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        return json.dumps(payload, ensure_ascii=False)


class RoutePatternFilter(logging.Filter):
    """Put the route pattern instead of the path into Flask's «Exception on <path>» record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if (
            isinstance(message, str)
            and message.startswith("Exception on ")
            and has_request_context()
        ):
            rule = request.url_rule.rule if request.url_rule else "<unmatched>"
            record.msg = message.replace(request.path, rule, 1)
        return True


class CurrentStderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stderr`` is when a record is emitted.

    The logger is global and outlives an application: bound to the ``sys.stderr`` of the moment
    it was added, it would write to a closed stream once that one is replaced (pytest does so
    for every test; a process that redirects its stderr too).
    """

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ sets it: ignored
        pass


def register(app: Flask) -> None:
    """Log every request as JSON to stderr (unless testing, where pytest captures logs)."""
    app.logger.addFilter(RoutePatternFilter())
    if not app.testing and not logger.handlers:
        handler = CurrentStderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.pop("request_started", None)
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        rule = request.url_rule.rule if request.url_rule else "<unmatched>"
        logger.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "route": rule,
                    "status": response.status_code,
                    "ms": duration_ms,
                }
            },
        )
        return response
