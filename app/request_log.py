"""One structured log line per request, with no personal data.

Logged: method, route pattern (the respondent token is never logged: the URL rule is, not the
URL), status, duration. Not logged: IP address, user agent, cookies, query strings, form data.
Flask's own «Exception on /s/<the token> [POST]» line for a 500 gets the route pattern too.

Where a log line has a URL but no route (gunicorn's own error log: app/gunicorn_log.py),
:func:`redact` applies the same rule as text: ``/s/<token>`` becomes ``/s/…``, and any IP
address becomes ``…``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import time

from flask import Flask, Response, g, has_request_context, request

logger = logging.getLogger("anketa.requests")

# A respondent link's token: the path segment after /s/ (up to /, ?, #, a quote or a space).
RESPONDENT_TOKEN = re.compile(r"(?<=/s/)[^/?#\s\"'<>]+")
# A run of characters an IPv4 or IPv6 address (with a port, a trailing colon) is made of.
ADDRESS_RUN = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(?!\w)")
HIDDEN = "…"


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _hide_address(match: re.Match[str]) -> str:
    run = match.group(0)
    core = run.rstrip(":.")
    tail = run[len(core) :]
    if _is_address(core):
        return HIDDEN + tail
    host, colon, port = core.rpartition(":")
    if colon and port.isdigit() and "." in host and _is_address(host):  # 10.0.0.7:53124
        return f"{HIDDEN}:{port}{tail}"
    return run


def redact(text: str) -> str:
    """Return ``text`` with respondent tokens (``/s/…``) and IP addresses (``…``) hidden."""
    return ADDRESS_RUN.sub(_hide_address, RESPONDENT_TOKEN.sub(HIDDEN, text))


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
