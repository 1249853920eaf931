"""The data model: schools and staff, questionnaire definitions (versioned), campaigns, responses.

Storage is one row per answer (``Answer``), never one column per question. A questionnaire that
has responses is never changed in place: an edit makes a new ``Questionnaire`` version and old
responses keep pointing at the version they answered.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app import vocabulary
from app.errors import NotFound
from app.extensions import Model, db
from app.vocabulary import StaffRole


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_shuffle_key() -> int:
    """Return a response's place in the lists and exports: 64 random bits (a signed BIGINT),
    drawn independently of the response's id, time and content (docs/methodology.md,
    "Order and dates")."""
    return secrets.randbits(64) - 2**63


def new_token() -> str:
    """Return an unguessable respondent token: 128 bits of randomness, URL-safe (22 chars)."""
    return secrets.token_urlsafe(16)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite forgets the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# The longest file name an import log keeps (app.imports.engine.clean_filename).
FILENAME_LENGTH = 120

# Integer on SQLite (so the primary key autoincrements), BIGINT elsewhere: answers grow fast.
BigId = BigInteger().with_variant(Integer, "sqlite")


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


class School(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="school")
    campaigns: Mapped[list[Campaign]] = relationship(back_populates="school")

    @classmethod
    def by_slug(cls, slug: str) -> School | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))


class User(UserMixin, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=StaffRole.MEMBER.value)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Failed logins within LOCKOUT of each other (app/auth.py); the last one's time.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session (``get_id``): bumping it ends all of the user's sessions.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        """Store the password's hash, end every session and lift the lockout."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.failed_logins = 0
        self.last_failed_at = None
        self.locked_until = None
        self.end_sessions()

    def end_sessions(self) -> None:
        """Make every session cookie issued so far invalid (``load_user`` compares versions)."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:  # Flask-Login: what the session (and a remember cookie) stores
        return f"{self.id}:{self.session_version}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN

    @property
    def can_edit(self) -> bool:
        """Members and admins edit texts, questionnaires and overrides; directors read."""
        return self.role in (StaffRole.ADMIN, StaffRole.MEMBER)

    def can_see_school(self, school_id: int) -> bool:
        return self.is_admin or self.school_id == school_id

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == email.strip().lower()))


class Direction(Model):
    """A direction of the quality system, e.g. «Система оцінювання здобувачів освіти».

    ``definition`` holds the parsed direction file: requirements with their topics, the shared
    answer scales and the level thresholds (see docs/questionnaires.md).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    # None for the bundled library; a school's own copy otherwise.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    language: Mapped[str] = mapped_column(String(8), default="uk")
    title: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    questionnaires: Mapped[list[Questionnaire]] = relationship(back_populates="direction")

    __table_args__ = (UniqueConstraint("code", "school_id"),)

    @property
    def requirements(self) -> list[dict[str, Any]]:
        return list(self.definition.get("requirements", []))

    @classmethod
    def library(cls, code: str) -> Direction | None:
        """Return the bundled (school-less) direction with this code."""
        return db.session.scalar(select(cls).where(cls.code == code, cls.school_id.is_(None)))


class Questionnaire(Model):
    """One version of one role's questionnaire for a direction."""

    id: Mapped[int] = mapped_column(primary_key=True)
    direction_id: Mapped[int] = mapped_column(ForeignKey("direction.id"))
    role: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    intro: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="uk")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    source_path: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    direction: Mapped[Direction] = relationship(back_populates="questionnaires")
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (UniqueConstraint("direction_id", "role", "version"),)

    def has_responses(self) -> bool:
        return (
            db.session.execute(
                select(func.count(Response.id)).where(Response.questionnaire_id == self.id)
            ).scalar_one()
            > 0
        )

    @classmethod
    def latest(cls, direction_id: int, role: str) -> Questionnaire | None:
        """Return the newest version of a role's questionnaire for a direction."""
        return db.session.scalar(
            select(cls)
            .where(cls.direction_id == direction_id, cls.role == role)
            .order_by(cls.version.desc())
            .limit(1)
        )


class Question(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    # The id from the questionnaire file: stable across versions, used in form field names.
    key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    topic: Mapped[str | None] = mapped_column(String(64))
    # The requirement id the question reports under (from its topic, or set directly).
    requirement: Mapped[str | None] = mapped_column(String(32))
    measures: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[bool] = mapped_column(Boolean, default=False)
    scale: Mapped[str | None] = mapped_column(String(64))
    # Optional phrases for the довідка and translations of the text ({"ru": "...", ...}).
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    translations: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("questionnaire_id", "key"),)


class Option(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Ordinal value on the scale (higher is better); None for «не знаю» and for nominal options.
    value: Mapped[int | None] = mapped_column(Integer)
    translations: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    question: Mapped[Question] = relationship(back_populates="options")

    __table_args__ = (UniqueConstraint("question_id", "key"),)


class Campaign(Model):
    """One self-assessment run of a school for a direction in an academic year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    direction_id: Mapped[int] = mapped_column(ForeignKey("direction.id"))
    academic_year: Mapped[str] = mapped_column(String(9))
    title: Mapped[str] = mapped_column(Text)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The working group's texts for the довідка (introduction, notes per topic, shortcomings…).
    report_texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    level_override: Mapped[str | None] = mapped_column(String(32))
    level_justification: Mapped[str | None] = mapped_column(Text)

    school: Mapped[School] = relationship(back_populates="campaigns")
    direction: Mapped[Direction] = relationship()
    links: Mapped[list[RespondentLink]] = relationship(
        back_populates="campaign", order_by="RespondentLink.id", cascade="all, delete-orphan"
    )

    def link_for(self, role: str) -> RespondentLink | None:
        return next((link for link in self.links if link.role == role), None)

    def response_counts(self) -> dict[str, int]:
        """Return the number of stored responses per respondent role (every role present)."""
        return Campaign.response_counts_of([self])[self.id]

    @staticmethod
    def response_counts_of(campaigns: Sequence[Campaign]) -> dict[int, dict[str, int]]:
        """Return {campaign id: {role: responses}} for many campaigns in one GROUP BY query.

        Every role is present for every campaign (0 when nobody answered).
        """
        counts = {campaign.id: dict.fromkeys(vocabulary.ROLES, 0) for campaign in campaigns}
        if counts:
            rows = db.session.execute(
                select(Response.campaign_id, Response.role, func.count(Response.id))
                .where(Response.campaign_id.in_(counts))
                .group_by(Response.campaign_id, Response.role)
            )
            for campaign_id, role, n in rows:
                counts[campaign_id][role] = n
        return counts

    @classmethod
    def find(cls, campaign_id: int) -> Campaign:
        """Return the campaign with this id; raises NotFound (a Ukrainian message) if none."""
        campaign = db.session.get(cls, campaign_id)
        if campaign is None:
            raise NotFound(gettext("Кампанію %(id)s не знайдено.", id=campaign_id))
        return campaign

    @classmethod
    def visible_to(cls, user: User, campaign_id: int) -> Campaign | None:
        """Return the campaign if the user may see it (own school, or admin), else None."""
        campaign = db.session.get(cls, campaign_id)
        if campaign is None or not user.can_see_school(campaign.school_id):
            return None
        return campaign


class RespondentLink(Model):
    """The one link (and QR code) of a campaign for one role."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    role: Mapped[str] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # The questionnaire version new responses answer; older responses keep their own.
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    expected_count: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="links")
    questionnaire: Mapped[Questionnaire] = relationship()

    __table_args__ = (UniqueConstraint("campaign_id", "role"),)


class Response(Model):
    """One submitted questionnaire. Deliberately holds no IP address, user agent or cookie,
    and no time finer than the day: the order of arrival must not be recoverable (a teacher who
    watched a class submit could match rows to pupils). Lists and exports order responses by
    ``shuffle_key``, a random number, never by ``id`` (docs/methodology.md, "Order and dates").
    """

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    role: Mapped[str] = mapped_column(String(16))
    # The idempotency key issued with the form (or derived from an imported row).
    submission_id: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="web")
    # The Kyiv calendar date of the submission (or of the import), nothing finer.
    # (A lambda: SQLAlchemy would pass its execution context to a one-argument default.)
    submitted_on: Mapped[date] = mapped_column(Date, default=lambda: vocabulary.today())
    shuffle_key: Mapped[int] = mapped_column(BigInteger, default=new_shuffle_key)
    # The import that stored it (None for a response from the form): imports are attributed.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    # Covers the analysis's responses-per-role count (and every lookup by campaign).
    __table_args__ = (
        Index("ix_response_campaign_counts", "campaign_id", "questionnaire_id", "role"),
    )


class ImportChannel(enum.StrEnum):
    """How an import was run: the web upload (a logged-in user) or ``anketa responses import``."""

    WEB = "web"
    CLI = "cli"


def utcnow_minute() -> datetime:
    """Return the current UTC time to the minute: an import log needs no finer time."""
    return utcnow().replace(second=0, microsecond=0)


class ImportBatch(Model):
    """One import of responses from a file: which campaign and role, who ran it, when, how
    many responses it stored, what kind of file and its name.

    Written in the same transaction as its responses (``app.imports.engine.import_csv``),
    which point to it through ``Response.import_batch_id``; listed on the campaign page and
    in the довідка's introduction (``app.imports.log``), so added rows are visible and
    attributed (docs/methodology.md, "Imported responses are attributed").
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # None when imported from the command line without --user.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    channel: Mapped[str] = mapped_column(String(8), default=ImportChannel.WEB.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow_minute)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    # "google" (a Google Forms export) or "generic" (columns headed by question ids).
    source_kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(FILENAME_LENGTH), default="")

    user: Mapped[User | None] = relationship()


class Answer(Model):
    """One answer: a chosen option (one row per ticked option) or a text."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    # Copied from the response so the aggregation is one index-only GROUP BY per campaign.
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("option.id"))
    text: Mapped[str | None] = mapped_column(Text)
    # Written once with the row (app/surveys/respondent/answer_rows.py), like campaign_id, so a
    # campaign's analysis is one GROUP BY (question_id, option_id, tally): None on a later ticked
    # option of the same response and question (it counts for its option only); on the response's
    # first row for the question, the option id of its answer to the segment question (the student's
    # grade), or 0 when the questionnaire has none or it was skipped. A question's respondents
    # are its rows with a tally; a segment's, its rows with that option id.
    tally: Mapped[int | None] = mapped_column(Integer)

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (
        Index(
            "ix_answer_campaign_counts",
            "campaign_id",
            "question_id",
            "option_id",
            "tally",
        ),
    )


class QuestionnaireChange(Model):
    """One entry of a direction's editing history: who changed what, and when.

    Written by the questionnaire builder (and by uploads of questionnaire files); ``version``
    is the questionnaire version the change produced (None for a change of the direction).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    direction_id: Mapped[int] = mapped_column(ForeignKey("direction.id"), index=True)
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
