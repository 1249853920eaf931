"""Builder pages (staff)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("builder", __name__)
