"""Respondent pages: /s/<token>."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("respondent", __name__, url_prefix="/s")
