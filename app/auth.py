"""Staff login and logout (Flask-Login), with throttling per account.

Throttling is per account, not per IP address: a whole school shares one NAT address.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from app.extensions import db, login_manager
from app.models import Campaign, User, utcnow

bp = Blueprint("auth", __name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Увійдіть, щоб відкрити цю сторінку.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


class LoginForm(FlaskForm):
    email = EmailField(_l("Електронна пошта"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Пароль"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Увійти"))


def authenticate(email: str, password: str) -> User | None:
    """Return the user for valid credentials, counting failures; None when refused or locked."""
    user = User.by_email(email)
    if user is None or not user.active:
        return None
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return None
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the staff start page.

    Browsers read ``/\\host`` as ``//host`` and drop tabs and line breaks from URLs, so a
    path must start with exactly one slash, without backslashes or control characters.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 32 or ord(char) == 127 for char in target)
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("staff.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("staff.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Невірна пошта або пароль (або забагато спроб — зачекайте 15 хвилин)."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))


def visible_campaign_or_404(campaign_id: int) -> Campaign:
    """Return the campaign if the logged-in user may see it, else abort with 404: another
    school's campaign does not exist for them (not 403, which would confirm that it does)."""
    campaign = Campaign.visible_to(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def editor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Allow only members and admins (the working group); directors get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_edit:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
