"""Health endpoints for load balancers and monitors.

``/healthz``: is the app up and does the database answer? ``/livez``: is the process serving at
all (no database work: also the baseline of benchmarks/submit.py)?
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Any:
    """Return 200 ``{"status": "ok"}`` when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("healthz: database unavailable (%s)", type(error).__name__)
        return jsonify(status="unavailable", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/livez")
def livez() -> Any:
    """Return 200 ``{"status": "ok"}`` without touching the database."""
    return jsonify(status="ok")
