"""Staff pages under /campaigns: the working group's and the director's web UI."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask_login import login_required

bp = Blueprint("staff", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    return redirect(url_for("staff.campaigns"))


@bp.route("/campaigns/")
@login_required
def campaigns() -> Any:
    return "TODO"
