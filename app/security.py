"""Security headers for every response, and a guard against NUL bytes in staff input.

Staff pages and downloads (everything but the respondent pages, health checks and static files)
are ``Cache-Control: private, no-store``: the results page holds open answers, the sheet the
respondent tokens, and a staff-room computer's browser cache is shared.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

STAFF_CACHE_CONTROL = "private, no-store"
# Blueprints and endpoints that keep their own caching: respondents' pages set ``no-store``
# themselves (below), health answers are not secret, static files are meant to be cached.
OWN_CACHING_BLUEPRINTS = {"respondent", "health"}
OWN_CACHING_ENDPOINTS = {"static"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def has_nul_byte(values: object) -> bool:
    """Return True if any key or value of a MultiDict contains a NUL character."""
    return any(
        "\x00" in key or any("\x00" in value for value in items)
        for key, items in values.lists()  # type: ignore[attr-defined]
    )


def register(app: Flask) -> None:
    """Install the NUL guard and the security headers on ``app``."""

    @app.before_request
    def refuse_nul_bytes() -> None:
        # No browser field legitimately carries NUL, and PostgreSQL refuses it in any text
        # (a NUL in the login e-mail was a 500). Respondent answers are cleaned, not refused,
        # by the survey service, so that a pasted text never loses a student's answers.
        if request.blueprint == "respondent":
            return
        if has_nul_byte(request.args) or (request.method == "POST" and has_nul_byte(request.form)):
            abort(400)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.blueprint == "respondent":
            # The respondent token is in the URL: never send it anywhere as a referrer.
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("Cache-Control", "no-store")
        else:
            # Staff forms over HTTPS need a same-origin Referer for Flask-WTF's strict check.
            response.headers.setdefault("Referrer-Policy", "same-origin")
        if is_staff_response():
            # Replaces what a view or send_file set (``no-cache`` still stores the page).
            response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
        return response


def is_staff_response() -> bool:
    """Return True if the current request is a staff page or download (or an unknown URL)."""
    return (
        request.blueprint not in OWN_CACHING_BLUEPRINTS
        and request.endpoint not in OWN_CACHING_ENDPOINTS
    )
