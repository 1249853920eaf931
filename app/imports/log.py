"""The import log: a campaign's imports (``ImportBatch`` rows) as plain entries for the campaign
page and the довідка, so responses added from a file are visible and attributed.

Flask is not imported (only the database session); times are shown in Kyiv time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ImportBatch, ImportChannel
from app.vocabulary import N_, TIMEZONE

COMMAND_LINE = N_("з командного рядка")


@dataclass(frozen=True)
class ImportEntry:
    """One import: the role, how many responses it stored, when (Kyiv, to the minute), who ran
    it (the user's e-mail, None from the command line without ``--user``), how, and from which
    file."""

    role: str
    rows: int
    imported_at: datetime
    user_email: str | None
    channel: str
    source_kind: str
    filename: str

    @property
    def day(self) -> str:
        """Return the import's date as «03.12.2026»."""
        return f"{self.imported_at:%d.%m.%Y}"

    @property
    def time(self) -> str:
        """Return the import's date and time as «03.12.2026 09:41»."""
        return f"{self.imported_at:%d.%m.%Y %H:%M}"

    @property
    def who(self) -> str:
        """Return who imported: «member@school.ua», «з командного рядка», or both."""
        if self.user_email is None:
            return COMMAND_LINE
        if self.channel == ImportChannel.CLI:
            return f"{self.user_email}, {COMMAND_LINE}"
        return self.user_email


def import_log(campaign_id: int) -> list[ImportEntry]:
    """Return the campaign's imports, oldest first (empty if there were none)."""
    batches = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.campaign_id == campaign_id)
        .options(selectinload(ImportBatch.user))
        .order_by(ImportBatch.created_at, ImportBatch.id)
    )
    return [
        ImportEntry(
            role=batch.role,
            rows=batch.row_count,
            imported_at=batch.created_at.astimezone(TIMEZONE),
            user_email=batch.user.email if batch.user else None,
            channel=batch.channel,
            source_kind=batch.source_kind,
            filename=batch.filename,
        )
        for batch in batches
    ]
