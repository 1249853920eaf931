"""The words every part of Anketa shares: respondent and staff roles, levels, the school's
timezone and today's date there, and the default thresholds of a direction.

Everything else imports these names; nothing redefines them. This module imports neither Flask
nor the database, so the analysis (which may import nothing else of the app) can use it too.

User-facing labels are marked with :func:`N_` for ``pybabel extract``; they stay Ukrainian
here, and a view translates them when it shows them (``gettext(label)``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (it is translated when shown)."""
    return message


class RespondentRole(enum.StrEnum):
    """Who answers a questionnaire. The values are used in URLs, files and the CLI."""

    TEACHERS = "teachers"
    STUDENTS = "students"
    PARENTS = "parents"


class StaffRole(enum.StrEnum):
    """What a staff user may do: admin (every school), director (reads), member (works)."""

    ADMIN = "admin"
    DIRECTOR = "director"
    MEMBER = "member"


#: The respondent roles in the order every page, table and chart lists them.
ROLES: tuple[str, ...] = tuple(role.value for role in RespondentRole)

#: The URL converter that matches a respondent role: ``/links/<{ROLE_URL_PATTERN}:role>``.
ROLE_URL_PATTERN = f"any({', '.join(ROLES)})"

#: The name of each respondent group (nominative plural), as headings and labels show it.
ROLE_LABELS: Mapping[str, str] = {
    "teachers": N_("Вчителі"),
    "students": N_("Учні"),
    "parents": N_("Батьки"),
}

#: The level codes of a direction, from the best down.
LEVELS: tuple[str, ...] = ("high", "sufficient", "needs_improvement", "low")

#: The level labels as the довідка prints them («… визначено достатній рівень»).
LEVEL_LABELS: Mapping[str, str] = {
    "high": N_("високий"),
    "sufficient": N_("достатній"),
    "needs_improvement": N_("вимагає покращення"),
    "low": N_("низький"),
}

#: Other words a person may type for a level (a CLI argument, a stored label).
_LEVEL_SYNONYMS: Mapping[str, str] = {"потребує покращення": "needs_improvement"}  # i18n: data


def parse_level(text: str | None) -> str | None:
    """Return the level code for a code («needs_improvement», «needs-improvement») or a
    Ukrainian label («достатній», «вимагає покращення», «потребує покращення»), in any case and
    spacing; None when ``text`` is empty or names no level."""
    if not text:
        return None
    words = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    for code, label in LEVEL_LABELS.items():
        if words in (code.replace("_", " "), label):
            return code
    return _LEVEL_SYNONYMS.get(words)


#: The lower bounds (per cent) of the levels when a direction sets none (docs/methodology.md).
DEFAULT_LEVELS: Mapping[str, int] = {"high": 80, "sufficient": 60, "needs_improvement": 40}

#: A key gap when a direction sets none: at least this many percentage points, p below this.
DEFAULT_KEY_GAP: Mapping[str, float] = {"min_difference_pp": 15, "max_p_value": 0.05}

#: The fewest responses of a group whose figures are published (docs/methodology.md), and the
#: lowest value anyone may configure.
DEFAULT_MIN_GROUP_SIZE = 5
MIN_GROUP_SIZE_FLOOR = 3

#: A «не знаю» share (per cent) at or above which the довідка mentions it.
DEFAULT_NOTABLE_UNKNOWN_SHARE = 30.0

#: The schools' timezone: campaign dates and the dates of responses are calendar dates here.
TIMEZONE_NAME = "Europe/Kyiv"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)


def today(now: datetime | None = None) -> date:
    """Return today's date in the schools' timezone (the server may run in UTC)."""
    return (now or datetime.now(TIMEZONE)).astimezone(TIMEZONE).date()
