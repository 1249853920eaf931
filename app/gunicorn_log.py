"""gunicorn's own log without a client address or a respondent token (see gunicorn.conf.py).

gunicorn writes «Invalid request from ip=<address>: …» for a malformed request, and «Error
handling request /s/<token>» with a traceback when a response fails while it is streamed; its
access log has the client address next to the path. :class:`PrivateLogger` writes no access log
at all and passes every error-log line, traceback included, through
:func:`app.request_log.redact`.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

from app.request_log import redact


class RedactingFormatter(logging.Formatter):
    """A formatter that hides tokens and addresses in the message and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the original
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return super().format(record)


class PrivateLogger(Logger):
    """gunicorn's logger (``logger_class``): no access log, a redacted error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            fmt = handler.formatter
            handler.setFormatter(
                RedactingFormatter(fmt._fmt, fmt.datefmt) if fmt else RedactingFormatter()
            )

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Write nothing, whatever ``--access-logfile`` says: the app logs requests itself."""
