"""Staff downloads of the довідка and exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
