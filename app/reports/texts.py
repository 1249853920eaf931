"""The working group's texts for the довідка: what the data cannot say.

The texts live per campaign in ``Campaign.report_texts`` (JSON); the level override and its
justification live in the campaign's own columns (``level_override``, ``level_justification``)
because the analysis reads them to compute the final level. Every field is optional: where a
text is empty the builder writes a generated default.

A texts file (YAML or JSON, for ``anketa texts set``) is a mapping with these keys::

    period: "лютому – квітні 2025 р."            # «У … було проведено самооцінювання»
    order_number: "15"                          # the order that formed the working group
    order_date: "03.02.2025"
    working_group: ["Іваненко О. П., заступник директора", "…"]
    introduction: "…"                           # paragraphs after the generated introduction
    requirement_notes: {"2.1": "…"}             # narrative under a requirement's heading
    topic_notes: {"criteria_understanding": "…"}  # a note under a topic's sub-heading
    shortcomings: ["…", "…"]
    improvements: ["…", "…"]
    recommendations: ["…", {"title": "…", "items": ["…", "…"]}]
    level_override: достатній                   # or high / sufficient / needs_improvement / low
    level_justification: "…"
    closing: "…"                                # the last paragraph
    signed_by: "Голова робочої групи — О. П. Іваненко"

A text list may also be given as one string, one item per line («- » or «1. » prefixes are
dropped). Paragraphs in a long text are separated by blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from flask_babel import gettext as _

from app.extensions import db
from app.models import Campaign
from app.reports.errors import ReportError
from app.text_safety import code_point, control_character, printable_all
from app.vocabulary import LEVEL_LABELS, parse_level

_LIST_PREFIX = re.compile(r"^\s*(?:[-–—•*○]|\d+[.)])\s+")


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: a sentence, or a numbered title with its bullet items."""

    title: str
    items: tuple[str, ...] = ()

    def to_mapping(self) -> str | dict[str, Any]:
        if not self.items:
            return self.title
        return {"title": self.title, "items": list(self.items)}


@dataclass(frozen=True)
class ReportTexts:
    """The working group's texts for one campaign's довідка (all optional)."""

    period: str = ""
    order_number: str = ""
    order_date: str = ""
    working_group: tuple[str, ...] = ()
    introduction: str = ""
    requirement_notes: Mapping[str, str] = field(default_factory=dict)
    topic_notes: Mapping[str, str] = field(default_factory=dict)
    shortcomings: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    level_override: str | None = None  # a level code: high/sufficient/needs_improvement/low
    level_justification: str = ""
    closing: str = ""
    signed_by: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ReportTexts:
        """Return the texts from a mapping (a parsed file or the stored JSON).

        Missing keys and ``None`` values mean "not written". Raises ReportError naming the
        field for an unknown key or a value of the wrong kind.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ReportError(_("Тексти довідки мають бути словником (ключ: значення)."))
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ReportError(
                _(
                    "Невідоме поле текстів довідки: %(unknown)s. Допустимі поля: %(known)s.",
                    unknown=", ".join(unknown),
                    known=", ".join(sorted(known)),
                )
            )
        level = _text(data, "level_override")
        level_code = parse_level(level) if level else None
        if level and level_code is None:
            raise ReportError(
                _(
                    "Невідомий рівень «%(level)s»: допустимі значення — %(allowed)s.",
                    level=level,
                    allowed=", ".join(_(label) for label in LEVEL_LABELS.values()),
                )
            )
        return cls(
            period=_text(data, "period"),
            order_number=_text(data, "order_number"),
            order_date=_text(data, "order_date"),
            working_group=_lines(data, "working_group"),
            introduction=_text(data, "introduction"),
            requirement_notes=_notes(data, "requirement_notes"),
            topic_notes=_notes(data, "topic_notes"),
            shortcomings=_lines(data, "shortcomings"),
            improvements=_lines(data, "improvements"),
            recommendations=_recommendations(data),
            level_override=level_code,
            level_justification=_text(data, "level_justification"),
            closing=_text(data, "closing"),
            signed_by=_text(data, "signed_by"),
        )

    def to_mapping(self) -> dict[str, Any]:
        """Return a JSON/YAML-serialisable mapping that ``from_mapping`` reads back."""
        return {
            "period": self.period,
            "order_number": self.order_number,
            "order_date": self.order_date,
            "working_group": list(self.working_group),
            "introduction": self.introduction,
            "requirement_notes": dict(self.requirement_notes),
            "topic_notes": dict(self.topic_notes),
            "shortcomings": list(self.shortcomings),
            "improvements": list(self.improvements),
            "recommendations": [item.to_mapping() for item in self.recommendations],
            "level_override": self.level_override,
            "level_justification": self.level_justification,
            "closing": self.closing,
            "signed_by": self.signed_by,
        }


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ReportError(_("Поле «%(name)s» має бути текстом.", name=name))
    return str(value).strip()


def _clean_item(text: str) -> str:
    return _LIST_PREFIX.sub("", text).strip()


def _lines(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.splitlines()
    elif isinstance(value, list | tuple):
        items = []
        for item in value:
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise ReportError(_("Поле «%(name)s» має бути списком рядків.", name=name))
            items.append(str(item))
    else:
        raise ReportError(_("Поле «%(name)s» має бути списком рядків або текстом.", name=name))
    return tuple(cleaned for item in items if (cleaned := _clean_item(item)))


def _notes(data: Mapping[str, Any], name: str) -> dict[str, str]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReportError(
            _("Поле «%(name)s» має бути словником «ідентифікатор: текст».", name=name)
        )
    notes: dict[str, str] = {}
    for key, text in value.items():
        if text is None:
            continue
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            raise ReportError(_("Поле «%(name)s.%(key)s» має бути текстом.", name=name, key=key))
        if str(text).strip():
            notes[str(key)] = str(text).strip()
    return notes


def _recommendations(data: Mapping[str, Any]) -> tuple[Recommendation, ...]:
    value = data.get("recommendations")
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(Recommendation(item) for item in _lines(data, "recommendations"))
    if not isinstance(value, list | tuple):
        raise ReportError(_("Поле «recommendations» має бути списком."))
    result: list[Recommendation] = []
    for item in value:
        if isinstance(item, Mapping):
            title = _text(item, "title")
            items = _lines(item, "items")
            if not title and not items:
                continue
            result.append(Recommendation(title=title, items=items))
        elif isinstance(item, str):
            if cleaned := _clean_item(item):
                result.append(Recommendation(cleaned))
        else:
            raise ReportError(_("Кожна рекомендація має бути текстом або {title, items}."))
    return tuple(result)


def load_texts(campaign: Campaign) -> ReportTexts:
    """Return the campaign's stored texts (empty texts if none were written).

    A control character stored before they were refused is dropped (``app.text_safety``), so
    the texts page shows, and saves back, texts without it. Raises ReportError if the stored
    JSON is malformed.
    """
    stored = printable_all(dict(campaign.report_texts or {}))
    stored["level_override"] = campaign.level_override
    stored["level_justification"] = printable_all(campaign.level_justification)
    return ReportTexts.from_mapping(stored)


def _refuse_control_characters(value: Any, name: str) -> None:
    """Raise ReportError naming the field (``name``) if a text in ``value`` holds a control
    character, which would break the довідка's Word file (``app.text_safety``)."""
    if isinstance(value, str):
        if (char := control_character(value)) is not None:
            raise ReportError(
                _(
                    "Поле «%(name)s» містить недопустимий керівний символ %(code_point)s: "
                    "видаліть його.",
                    name=name,
                    code_point=code_point(char),
                )
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_control_characters(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_control_characters(item, name)


def save_texts(campaign: Campaign, texts: ReportTexts) -> None:
    """Store the texts on the campaign and commit.

    The level override goes through ``app.results.service.set_level_override`` (the one place
    that checks a level and its justification), so it raises that function's AnketaError
    (unknown level, justification too short) before anything is stored, and ReportError for a
    text holding a control character (nothing stored). The JSON value is replaced as a whole,
    so SQLAlchemy sees the change.
    """
    from app.results.service import set_level_override  # scipy: imported on use only

    mapping = texts.to_mapping()
    _refuse_control_characters(mapping, "")
    level = mapping.pop("level_override")
    justification = mapping.pop("level_justification")
    set_level_override(campaign, level, justification, user=None)
    campaign.report_texts = mapping
    db.session.commit()
