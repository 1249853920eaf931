"""The WSGI app of tests/test_server_log.py: Anketa, except that a request with the header
``X-Anketa-Probe: stream-error`` breaks after its headers were sent, the way a streamed export
that fails does. The error's message names the path and the client address, so the traceback
in gunicorn's log has both unless they are redacted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from app import create_app

anketa = create_app()


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    result = anketa(environ, start_response)
    if environ.get("HTTP_X_ANKETA_PROBE") != "stream-error":
        return result

    def broken() -> Iterator[bytes]:
        yield from result
        raise RuntimeError(
            f"stream broke at {environ['PATH_INFO']} for {environ.get('REMOTE_ADDR')}"
        )

    return broken()
