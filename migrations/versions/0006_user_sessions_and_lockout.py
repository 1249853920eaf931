"""user.session_version and user.last_failed_at

Revision ID: 0006
Revises: 0005

``session_version`` is stored in every session (``User.get_id``); bumping it on logout, a
password change or deactivation makes the old cookies worthless. Existing users start at 1, so
sessions issued before the upgrade (which carry a bare id) are refused once and users log in
again. ``last_failed_at`` lets failed logins count within a window instead of in a row, so a
correct password in a burst of wrong ones no longer resets the count (app/auth.py). Both
directions run on SQLite (batch mode) and PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("last_failed_at")
        batch_op.drop_column("session_version")
