"""Staff login and logout (Flask-Login), with throttling per account and revocable sessions.

Throttling is per account, not per IP address: a whole school shares one NAT address. Failed
logins are counted by one UPDATE each, so parallel attempts cannot lose a count; five within
``LOCKOUT`` of each other lock the account for ``LOCKOUT`` and end its sessions. A correct
password does not forgive failures, so a right guess in a burst of wrong ones still leaves the
account locked, and keeps no session. Unknown, inactive and locked accounts check the password
against a dummy hash, so every refusal costs the same scrypt work and the answer's timing does
not tell which case it was.

A session stores ``"<id>:<session_version>"`` (``User.get_id``); logout, a password change and
deactivation bump the version, and ``load_user`` refuses a session with an old one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache, wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts import is_locked
from app.extensions import db, login_manager
from app.models import Campaign, Direction, School, User, UTCDateTime, utcnow

bp = Blueprint("auth", __name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Увійдіть, щоб відкрити цю сторінку.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active user whose id and current session version the session carries.

    A session without a version (issued before migration 0006), with an old version or of a
    deactivated user gives None: Flask-Login then treats the request as anonymous.
    """
    user_id, _sep, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


class LoginForm(FlaskForm):
    email = EmailField(_l("Електронна пошта"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Пароль"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Увійти"))


@cache
def _dummy_hash() -> str:
    """Return a hash of a random password with the real parameters (computed once a process)."""
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """Return the user for valid credentials; None when refused (counting the failure).

    Exactly one password hash is checked in every case. A correct password is refused while
    the account is locked, including a lock set by a parallel attempt during the check.
    """
    user = User.by_email(email)
    now = utcnow()
    if user is None or not user.active or is_locked(user, now):
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        _count_failure(user.id)
        return None
    version = _unlocked_after_success(user.id)
    if version is None:
        return None
    # The session carries the version the unlocking UPDATE saw, not one read afterwards: a
    # lock that a parallel failure sets next bumps the version and so ends this session too.
    set_committed_value(user, "session_version", version)
    return user


def _count_failure(user_id: int) -> None:
    """Count one failed login in a single UPDATE; the fifth within ``LOCKOUT`` locks the
    account and ends its sessions.

    The count starts again at 1 when the previous failure is older than ``LOCKOUT`` and at 0
    when the lock is set. Every right-hand side reads the row as it was before this statement,
    and the database serialises the statements, so no parallel failure is lost.
    """
    now = utcnow()
    stale = or_(User.last_failed_at.is_(None), User.last_failed_at <= now - LOCKOUT)
    count = case((stale, 1), else_=User.failed_logins + 1)
    locks = count >= MAX_FAILED_LOGINS
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            failed_logins=case((locks, 0), else_=count),
            locked_until=case(
                (locks, literal(now + LOCKOUT, UTCDateTime())), else_=User.locked_until
            ),
            last_failed_at=now,
            # A right guess that got in during the burst keeps no session.
            session_version=case((locks, User.session_version + 1), else_=User.session_version),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _unlocked_after_success(user_id: int) -> int | None:
    """Clear an expired lock and return the account's session version, unless the account is
    locked now (None).

    A conditional UPDATE: a lock that a parallel failure set after this attempt read the user
    is seen here, and the correct password is refused. Failures are not forgiven.
    """
    now = utcnow()
    version = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(locked_until=None)
        .returning(User.session_version)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return version


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
            target = _safe_next(request.args.get("next"))
            _new_session()
            login_user(user)
            return redirect(target)
        flash(_("Невірна пошта або пароль (або забагато спроб — зачекайте 15 хвилин)."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """End this session and every other copy of it (the user's other sessions too)."""
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    _new_session()
    return redirect(url_for("auth.login"))


def _new_session() -> None:
    """Empty the session, so nothing from before (the CSRF token included) survives.

    Flask-WTF also caches the request's signed token in ``g``; it goes too, so no form
    rendered after this point carries the old token.
    """
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def visible_campaign_or_404(campaign_id: int) -> Campaign:
    """Return the campaign if the logged-in user may see it, else abort with 404: another
    school's campaign does not exist for them (not 403, which would confirm that it does)."""
    campaign = Campaign.visible_to(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def visible_school_copy_or_404(slug: str, direction_id: int) -> Direction:
    """Return the direction if it is the own copy of the school ``slug`` (not the library's,
    not another school's) and the logged-in user may see that school, else abort with 404:
    as for a campaign, another school's questionnaires do not exist for them. Editing is
    further limited by :func:`editor_required` (directors get 403)."""
    direction = db.session.scalar(
        select(Direction)
        .join(School, School.id == Direction.school_id)
        .where(Direction.id == direction_id, School.slug == slug)
    )
    if direction is None or not current_user.can_see_school(direction.school_id):
        abort(404)
    return direction


def editor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Allow only members and admins (the working group); directors get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_edit:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
