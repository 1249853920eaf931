"""Migration 0006: ``user.session_version`` (1 for existing accounts) and ``user.last_failed_at``,
up and down, on SQLite and PostgreSQL; an account from before logs in afterwards."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.auth import authenticate
from app.extensions import db
from app.models import User
from tests import factories


def _user_columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("user")}


def test_existing_accounts_get_version_1_and_log_in(migrated_app):  # noqa: F811
    downgrade(revision="0005")
    assert not {"session_version", "last_failed_at"} & _user_columns()
    user = User(email="old@a.ua", role="admin")
    user.set_password(factories.PASSWORD)
    db.session.execute(
        text(
            'INSERT INTO "user" (email, password_hash, role, active, failed_logins, created_at)'
            " VALUES (:email, :hash, 'admin', :yes, 0, CURRENT_TIMESTAMP)"
        ),
        {"email": user.email, "hash": user.password_hash, "yes": True},
    )
    db.session.commit()
    db.session.remove()

    upgrade()
    assert {"session_version", "last_failed_at"} <= _user_columns()
    migrated = User.by_email("old@a.ua")
    assert (migrated.session_version, migrated.last_failed_at) == (1, None)
    assert migrated.get_id() == f"{migrated.id}:1"
    assert authenticate("old@a.ua", factories.PASSWORD) is not None
    db.session.remove()
