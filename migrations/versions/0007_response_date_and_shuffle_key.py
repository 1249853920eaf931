"""response.submitted_on (a Kyiv date) replaces response.submitted_at; response.shuffle_key

Revision ID: 0007
Revises: 0006

A timestamp to the microsecond let anyone who watched a class submit match rows to pupils
(docs/methodology.md, "Order and dates"). A response now keeps only the calendar date in Kyiv;
the existing rows get the Kyiv date of their timestamp (a submission at 22:30 UTC on a winter
day is dated the next day). ``shuffle_key`` is a random 64-bit number that orders responses in
the lists and exports instead of their id; existing rows draw theirs here.

SQLite: the columns are added and dropped with ALTER TABLE, never by recreating the table
(batch mode): the app turns foreign keys on, and dropping ``response`` would cascade to every
answer. A NOT NULL column added there needs a server default, which is left in place (the app
always writes the value). The downgrade dates every response at midnight UTC of its day, which
falls on the same day in Kyiv. Both directions run on SQLite and PostgreSQL.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KYIV = ZoneInfo("Europe/Kyiv")
BATCH = 5_000


def _kyiv_dates_on_sqlite(bind) -> None:
    """Date each response by the Kyiv date of its timestamp (SQLite keeps it as UTC text)."""
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, submitted_at FROM response WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        updates = []
        for response_id, stamp in rows:
            moment = datetime.fromisoformat(str(stamp))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            updates.append({"id": response_id, "day": moment.astimezone(KYIV).date().isoformat()})
        bind.execute(sa.text("UPDATE response SET submitted_on = :day WHERE id = :id"), updates)
        last = rows[-1][0]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.add_column(
            "response",
            sa.Column("submitted_on", sa.Date(), server_default="1970-01-01", nullable=False),
        )
        op.add_column(
            "response",
            sa.Column("shuffle_key", sa.BigInteger(), server_default="0", nullable=False),
        )
        _kyiv_dates_on_sqlite(bind)
        bind.execute(sa.text("UPDATE response SET shuffle_key = random()"))
    else:
        op.add_column("response", sa.Column("submitted_on", sa.Date(), nullable=True))
        op.add_column("response", sa.Column("shuffle_key", sa.BigInteger(), nullable=True))
        bind.execute(
            sa.text(
                "UPDATE response SET"
                " submitted_on = (submitted_at AT TIME ZONE 'Europe/Kyiv')::date,"
                " shuffle_key = (floor(random() * 18446744073709551616.0)"
                " - 9223372036854775808.0)::bigint"
            )
        )
        op.alter_column("response", "submitted_on", nullable=False)
        op.alter_column("response", "shuffle_key", nullable=False)
    op.drop_column("response", "submitted_at")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.add_column(
            "response",
            sa.Column(
                "submitted_at",
                sa.DateTime(timezone=True),
                server_default="1970-01-01 00:00:00.000000",
                nullable=False,
            ),
        )
        bind.execute(
            sa.text("UPDATE response SET submitted_at = submitted_on || ' 00:00:00.000000'")
        )
    else:
        op.add_column(
            "response", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True)
        )
        bind.execute(
            sa.text("UPDATE response SET submitted_at = submitted_on::timestamp AT TIME ZONE 'UTC'")
        )
        op.alter_column("response", "submitted_at", nullable=False)
    op.drop_column("response", "shuffle_key")
    op.drop_column("response", "submitted_on")
