"""Staff accounts after they exist: the password rules, password changes, deactivation, listing.

Every password that is set goes through ``password_problem`` (``anketa users create``,
``anketa users set-password``; no web page sets passwords). A password change and a
deactivation end the user's sessions (``User.end_sessions``). Functions raise ``AnketaError``
with a Ukrainian message and commit on success.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import AnketaError, NotFound
from app.extensions import db
from app.models import User, utcnow

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """Return the bundled list of common passwords, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str) -> str | None:
    """Return why ``password`` may not be used (a Ukrainian sentence), or None if it may.

    Refused: all-whitespace passwords (the login form's required check strips the value, so
    such a password could never be typed in), passwords under 10 characters and the common
    passwords of the bundled list, whatever their case and surrounding spaces.
    """
    if password and not password.strip():
        return _("Пароль не може складатися лише з пробілів.")
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Пароль має містити щонайменше %(n)d символів.", n=MIN_PASSWORD_LENGTH)
    if password.strip().casefold() in common_passwords():
        return _("Цей пароль надто поширений: його вгадують першим. Оберіть інший.")
    return None


def check_password_rules(password: str) -> None:
    """Raise ``AnketaError`` with the reason when ``password_problem`` refuses the password."""
    problem = password_problem(password)
    if problem:
        raise AnketaError(problem)


def get_user(email: str) -> User:
    """Return the user with this email (any case); raise ``NotFound`` when there is none."""
    user = User.by_email(email)
    if user is None:
        raise NotFound(_("Користувача %(email)s не знайдено.", email=email.strip()))
    return user


def set_user_password(email: str, password: str) -> User:
    """Give the user a new password, end their sessions and lift the lockout; return the user.

    Raises ``NotFound`` for an unknown email and ``AnketaError`` for a refused password.
    """
    user = get_user(email)
    check_password_rules(password)
    user.set_password(password)
    db.session.commit()
    return user


def deactivate_user(email: str) -> User:
    """Switch the account off and end its sessions; return the user (already off: unchanged).

    Raises ``NotFound`` for an unknown email.
    """
    user = get_user(email)
    if user.active:
        user.active = False
        user.end_sessions()
        db.session.commit()
    return user


def list_users() -> list[User]:
    """Return every staff user, ordered by email, with their schools loaded."""
    query = select(User).options(selectinload(User.school)).order_by(User.email)
    return list(db.session.scalars(query))


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Return True while the account is locked after too many failed logins."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())
