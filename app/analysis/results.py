"""The results of a campaign's analysis: frozen dataclasses, shared by every consumer.

The dashboard, the довідка (.docx), the JSON API and ``anketa analyze --json`` all read these
objects; none of them computes a statistic of its own. Every number a document prints is a field
here, already rounded the way it must be printed (half-up to one decimal, see
docs/methodology.md). ``CampaignAnalysis.to_json()`` is the documented JSON document
(docs/results-schema.json).

Percentages are floats in 0–100 with one decimal (80.6 means 80,6 %). A percentage or share is
``None`` when its denominator is zero (nobody answered).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.analysis.rules import subtract_printed
from app.vocabulary import (
    DEFAULT_KEY_GAP,
    DEFAULT_LEVELS,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_NOTABLE_UNKNOWN_SHARE,
    LEVEL_LABELS,
    N_,
    ROLES,
)

#: Why a group's figures are not published (docs/methodology.md, «Приватність»).
PRIVACY_REASONS: tuple[str, ...] = ("small_group", "mixed_sources", "complementary")


def too_few_words(reason: str | None, min_group_size: int) -> str | None:
    """Return the words shown instead of the figures of a group hidden for ``reason``
    («замало відповідей для аналізу (менше 5)»), or None when ``reason`` is None."""
    if reason is None:
        return None
    if reason == "mixed_sources":
        return N_("замало відповідей для аналізу (менше %(n)d з форми або з імпорту)") % {
            "n": min_group_size
        }
    if reason == "complementary":
        return N_("приховано, щоб малу групу не можна було обчислити з підсумку")
    return N_("замало відповідей для аналізу (менше %(n)d)") % {"n": min_group_size}


SCHEMA_ID = "https://anketa.example/schemas/results-1.json"


@dataclass(frozen=True)
class Level:
    """A level of the direction: ``code`` in app.vocabulary.LEVELS and its Ukrainian ``label``."""

    code: str
    label: str

    @classmethod
    def of(cls, code: str) -> Level:
        """Return the level with this code; raises ValueError for an unknown code."""
        if code not in LEVEL_LABELS:
            raise ValueError(f"unknown level {code!r}")
        return cls(code=code, label=LEVEL_LABELS[code])

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label}


@dataclass(frozen=True)
class Thresholds:
    """The configurable thresholds: key gaps, privacy and the level boundaries (in %)."""

    key_gap_min_difference_pp: float = float(DEFAULT_KEY_GAP["min_difference_pp"])
    key_gap_max_p_value: float = float(DEFAULT_KEY_GAP["max_p_value"])
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    level_high: float = float(DEFAULT_LEVELS["high"])
    level_sufficient: float = float(DEFAULT_LEVELS["sufficient"])
    level_needs_improvement: float = float(DEFAULT_LEVELS["needs_improvement"])
    notable_unknown_share: float = DEFAULT_NOTABLE_UNKNOWN_SHARE

    # The judgements, each written once (docs/methodology.md §4): the dashboard, the довідка and
    # the exports ask these instead of comparing numbers themselves.
    def is_significant(self, p_value: float | None) -> bool | None:
        """True when ``p_value`` is below the configured maximum (p < 0.05 by default)."""
        if p_value is None:
            return None
        return p_value < self.key_gap_max_p_value

    def is_key(self, difference_pp: float | None, p_value: float | None) -> bool:
        """A key gap: |difference| at least the configured pp and significant."""
        return (
            difference_pp is not None
            and abs(difference_pp) >= self.key_gap_min_difference_pp
            and bool(self.is_significant(p_value))
        )

    def is_weak(self, positive_share: float | None) -> bool:
        """A weak indicator: its positive share is below the direction's «достатній» threshold."""
        return positive_share is not None and positive_share < self.level_sufficient

    def is_notable_unknown(self, unknown_share: float | None) -> bool:
        """A «не знаю» share worth naming as a shortcoming: at least the notable share (30 %)."""
        return unknown_share is not None and unknown_share >= self.notable_unknown_share

    def to_json(self) -> dict[str, Any]:
        return {
            "key_gap": {
                "min_difference_pp": self.key_gap_min_difference_pp,
                "max_p_value": self.key_gap_max_p_value,
            },
            "min_group_size": self.min_group_size,
            "levels": {
                "high": self.level_high,
                "sufficient": self.level_sufficient,
                "needs_improvement": self.level_needs_improvement,
            },
        }


@dataclass(frozen=True)
class CampaignInfo:
    """What the document says about the campaign itself."""

    id: int
    school: str  # the school's name
    school_slug: str
    direction_code: str
    direction_title: str
    academic_year: str
    title: str
    opens_on: date | None = None
    closes_on: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "school": {"name": self.school, "slug": self.school_slug},
            "direction": {"code": self.direction_code, "title": self.direction_title},
            "academic_year": self.academic_year,
            "period": {
                "opens_on": self.opens_on.isoformat() if self.opens_on else None,
                "closes_on": self.closes_on.isoformat() if self.closes_on else None,
            },
        }


@dataclass(frozen=True)
class OptionResult:
    """One option of a question: how many chose it and its percent of ``answered``.

    For multiple choice, ``count`` is the number of respondents who ticked it and the percents
    of a question may sum above 100. ``value`` is the ordinal value (None: «не знаю» or nominal).
    """

    key: str
    text: str
    count: int
    percent: float | None
    value: int | None = None
    positive: bool = False  # one of the two top levels of an ordinal scale

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "text": self.text,
            "count": self.count,
            "percent": self.percent,
            "value": self.value,
            "positive": self.positive,
        }


@dataclass(frozen=True)
class SegmentCell:
    """One group of a segment breakdown (e.g. the students of grade 7).

    A suppressed cell (fewer respondents than the privacy threshold, in all or from one source,
    or hidden so that the other hidden cells cannot be recovered from the total) shows nothing:
    ``respondents`` is None, ``options`` is empty and ``reason`` says why ("small_group",
    "mixed_sources" or "complementary").
    """

    segment_key: str
    segment_text: str
    suppressed: bool
    reason: str | None = None
    respondents: int | None = None
    answered: int | None = None
    options: tuple[OptionResult, ...] = ()
    positive_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "segment": self.segment_key,
            "text": self.segment_text,
            "suppressed": self.suppressed,
            "reason": self.reason,
            "respondents": self.respondents,
            "answered": self.answered,
            "options": [option.to_json() for option in self.options],
            "positive_share": self.positive_share,
        }


@dataclass(frozen=True)
class SegmentBreakdown:
    """A question's answers broken down by a segment question of the same role (e.g. grade)."""

    segment_question: str  # the key of the segment question, e.g. "s1"
    segment_question_text: str
    min_group_size: int
    cells: tuple[SegmentCell, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "segment_question": self.segment_question,
            "segment_question_text": self.segment_question_text,
            "min_group_size": self.min_group_size,
            "cells": [cell.to_json() for cell in self.cells],
        }


@dataclass(frozen=True)
class QuestionResult:
    """Everything computed for one question of one role.

    ``answered`` counts responses with at least one answer to the question. For an ordinal
    question (options with values), ``positive_share`` is the percent of ``valued_answered``
    (answers with a value) in the top two levels; ``unknown_share`` is the percent of
    ``answered`` that chose a «не знаю»-type option (no value), reported apart. For a text
    question ``options`` is empty and ``text_answers_count`` = ``answered``; texts are never
    part of the analysis.
    """

    key: str
    number: int
    text: str
    instruction: str | None
    role: str
    type: str  # "single" | "multiple" | "text"
    topic: str | None
    requirement: str | None
    measures: str | None
    answered: int
    options: tuple[OptionResult, ...] = ()
    ordinal: bool = False
    positive_share: float | None = None
    positive_count: int | None = None
    valued_answered: int | None = 0
    unknown_count: int | None = 0
    unknown_share: float | None = None
    text_answers_count: int = 0
    segment: bool = False
    segment_breakdown: SegmentBreakdown | None = None
    respondents: int = 0  # responses of this role in the campaign
    #: Why nothing but the counts is published (PRIVACY_REASONS), or None: the role or the
    #: question has too few respondents, in all or in one source. ``options`` is then empty
    #: and every share and every count but ``answered`` and ``respondents`` (``positive_count``,
    #: ``valued_answered``, ``unknown_count``) None, never a false 0; the question has no gap,
    #: no breakdown and no part in the scores.
    hidden: str | None = None
    report_phrases: Mapping[str, Any] | None = field(default=None, compare=False)

    def option(self, key: str) -> OptionResult:
        """Return the option with this key; raises KeyError if there is none."""
        for option in self.options:
            if option.key == key:
                return option
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "role": self.role,
            "number": self.number,
            "text": self.text,
            "instruction": self.instruction,
            "type": self.type,
            "topic": self.topic,
            "requirement": self.requirement,
            "measures": self.measures,
            "respondents": self.respondents,
            "answered": self.answered,
            "options": [option.to_json() for option in self.options],
            "ordinal": self.ordinal,
            "positive_share": self.positive_share,
            "positive_count": self.positive_count,
            "valued_answered": self.valued_answered,
            "unknown_count": self.unknown_count,
            "unknown_share": self.unknown_share,
            "text_answers_count": self.text_answers_count,
            "segment": self.segment,
            "hidden": self.hidden,
            "segment_breakdown": (
                self.segment_breakdown.to_json() if self.segment_breakdown else None
            ),
        }


@dataclass(frozen=True)
class OptionGap:
    """A gap on one option of a multiple-choice construct: % of respondents who ticked it."""

    option_key: str
    option_text: str
    percent_a: float | None
    percent_b: float | None
    difference_pp: float | None
    p_value: float | None
    test: str | None  # "chi2" | "exact" | None (nothing to test)
    key: bool

    @property
    def printed_difference_pp(self) -> float | None:
        """percent_a − percent_b of the printed figures: what the pages and the довідка print
        (``difference_pp``, rounded from the unrounded shares, can differ by 0.1)."""
        return subtract_printed(self.percent_a, self.percent_b)

    def to_json(self) -> dict[str, Any]:
        return {
            "option": self.option_key,
            "text": self.option_text,
            "percent_a": self.percent_a,
            "percent_b": self.percent_b,
            "difference_pp": self.difference_pp,
            "p_value": self.p_value,
            "test": self.test,
            "key": self.key,
        }


@dataclass(frozen=True)
class Gap:
    """A perception gap on one construct between two roles (``role_a`` before ``role_b``).

    ``difference_pp`` = share_a − share_b, rounded from the unrounded shares. ``test`` is "chi2"
    (chi-square test of homogeneity), "exact" (Fisher's exact test, 2×2), "permutation"
    (Monte Carlo permutation test of the chi-square statistic) or None when there is nothing
    to test (an empty group, or every answer in one category). ``effect_size`` is Cramér's V.
    ``kind`` is "ordinal" (single-choice scales: shares and a test on the full distribution) or
    "multiple" (per-option gaps in ``option_gaps``; ``key`` when any option gap is key).
    """

    construct: str
    kind: str
    role_a: str
    role_b: str
    question_a: str
    question_b: str
    n_a: int
    n_b: int
    share_a: float | None
    share_b: float | None
    difference_pp: float | None
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    test: str | None
    key: bool
    option_gaps: tuple[OptionGap, ...] = ()

    @property
    def printed_difference_pp(self) -> float | None:
        """share_a − share_b of the printed shares: what the pages and the довідка print
        (``difference_pp``, rounded from the unrounded shares, can differ by 0.1)."""
        return subtract_printed(self.share_a, self.share_b)

    def to_json(self) -> dict[str, Any]:
        return {
            "construct": self.construct,
            "kind": self.kind,
            "roles": [self.role_a, self.role_b],
            "questions": [self.question_a, self.question_b],
            "n": [self.n_a, self.n_b],
            "positive_shares": [self.share_a, self.share_b],
            "difference_pp": self.difference_pp,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "effect_size": self.effect_size,
            "test": self.test,
            "key": self.key,
            "option_gaps": [gap.to_json() for gap in self.option_gaps],
        }


@dataclass(frozen=True)
class Topic:
    """A sub-heading of a requirement in the довідка, e.g. «Розуміння критеріїв оцінювання»."""

    id: str
    title: str


@dataclass(frozen=True)
class Requirement:
    """A requirement (вимога) of the direction with its topics, from the direction file."""

    code: str
    title: str
    topics: tuple[Topic, ...] = ()


@dataclass(frozen=True)
class RequirementScore:
    """A requirement's score: the mean over roles of each role's mean positive share.

    ``role_scores`` holds each role's mean (None when the role has no ordinal question under
    this requirement); ``questions_used`` lists "role:key" of the questions that count.
    """

    code: str
    title: str
    score: float | None
    role_scores: Mapping[str, float | None]
    questions_used: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "score": self.score,
            "role_scores": dict(self.role_scores),
            "questions_used": list(self.questions_used),
        }


@dataclass(frozen=True)
class OptionChange:
    """An option's percent now and in the previous campaign, and the change in pp."""

    key: str
    text: str
    percent: float | None
    previous_percent: float | None
    change_pp: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "text": self.text,
            "percent": self.percent,
            "previous_percent": self.previous_percent,
            "change_pp": self.change_pp,
        }


@dataclass(frozen=True)
class QuestionChange:
    """A question matched with the previous campaign (by key within role, or by construct)."""

    role: str
    key: str
    previous_key: str
    matched_by: str  # "key" | "construct"
    answered: int
    previous_answered: int
    positive_share: float | None
    previous_positive_share: float | None
    positive_share_change_pp: float | None
    options: tuple[OptionChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "id": self.key,
            "previous_id": self.previous_key,
            "matched_by": self.matched_by,
            "answered": self.answered,
            "previous_answered": self.previous_answered,
            "positive_share": self.positive_share,
            "previous_positive_share": self.previous_positive_share,
            "positive_share_change_pp": self.positive_share_change_pp,
            "options": [option.to_json() for option in self.options],
        }


@dataclass(frozen=True)
class Dynamics:
    """The change against the previous campaign of the same school and direction."""

    previous_campaign: CampaignInfo
    questions: tuple[QuestionChange, ...]
    score: float | None
    previous_score: float | None
    score_change_pp: float | None
    previous_final_level: Level | None
    requirement_changes: Mapping[str, float | None] = field(default_factory=dict)

    def question(self, role: str, key: str) -> QuestionChange | None:
        """Return the change of this question (current key), or None when unmatched."""
        return next((q for q in self.questions if q.role == role and q.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "previous_campaign": self.previous_campaign.to_json(),
            "score": self.score,
            "previous_score": self.previous_score,
            "score_change_pp": self.score_change_pp,
            "previous_final_level": (
                self.previous_final_level.to_json() if self.previous_final_level else None
            ),
            "requirement_changes_pp": dict(self.requirement_changes),
            "questions": [question.to_json() for question in self.questions],
        }


@dataclass(frozen=True)
class CampaignAnalysis:
    """The whole analysis of one campaign: the single source of every figure shown anywhere.

    ``questions`` are in questionnaire order, role by role (in the order of app.vocabulary.ROLES).
    ``score`` is the direction's score (mean of the requirement scores); ``computed_level``
    follows from it and the thresholds (None when there is no score); ``final_level`` is the
    working group's override when set, else the computed level.
    """

    campaign: CampaignInfo
    respondents: Mapping[str, int]
    questions: tuple[QuestionResult, ...]
    gaps: tuple[Gap, ...]
    requirements: tuple[Requirement, ...]
    requirement_scores: tuple[RequirementScore, ...]
    score: float | None
    computed_level: Level | None
    override_level: Level | None
    override_justification: str | None
    final_level: Level | None
    dynamics: Dynamics | None
    thresholds: Thresholds
    min_group_size: int
    #: {role: reason} of the roles shown only as a count (PRIVACY_REASONS).
    hidden_roles: Mapping[str, str] = field(default_factory=dict)
    #: {construct id: name} from the direction file's ``constructs:`` (may be empty).
    construct_names: Mapping[str, str] = field(default_factory=dict)

    # Convenience lookups -----------------------------------------------------------------

    def construct_name(self, construct: str) -> str:
        """Return the name a construct is called by: the direction file's, else its id
        humanised («criteria_access» → «Criteria access»); never a topic's or a question's."""
        name = self.construct_names.get(construct)
        return name or construct.replace("_", " ").replace("-", " ").strip().capitalize()

    def hidden_note(self, reason: str | None) -> str | None:
        """Return the words shown instead of a hidden group's figures, or None for ``None``."""
        return too_few_words(reason, self.min_group_size)

    def question(self, role: str, key: str) -> QuestionResult:
        """Return the result of a role's question; raises KeyError if there is none."""
        for question in self.questions:
            if question.role == role and question.key == key:
                return question
        raise KeyError(f"{role}:{key}")

    def questions_for_role(self, role: str) -> tuple[QuestionResult, ...]:
        """Return a role's questions in questionnaire order."""
        return tuple(q for q in self.questions if q.role == role)

    def questions_for_topic(self, topic: str) -> tuple[QuestionResult, ...]:
        """Return the questions reported under a topic, teachers first, in questionnaire order."""
        return tuple(q for q in self.questions if q.topic == topic)

    def gaps_for_construct(self, construct: str) -> tuple[Gap, ...]:
        """Return the gaps of a construct (one per pair of roles that answered it)."""
        return tuple(g for g in self.gaps if g.construct == construct)

    def key_gaps(self) -> tuple[Gap, ...]:
        """Return the gaps flagged «Ключова розбіжність»."""
        return tuple(g for g in self.gaps if g.key)

    def gaps_for_topic(self, topic: str) -> tuple[Gap, ...]:
        """Return the gaps whose questions are reported under this topic."""
        constructs = {q.measures for q in self.questions_for_topic(topic) if q.measures}
        return tuple(g for g in self.gaps if g.construct in constructs)

    def requirement_score(self, code: str) -> RequirementScore | None:
        """Return the score of a requirement, or None if the direction has no such code."""
        return next((r for r in self.requirement_scores if r.code == code), None)

    # The documented JSON document ---------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Return the results document (docs/results-schema.json), JSON-serialisable."""
        return {
            "$schema": SCHEMA_ID,
            "schema_version": 1,
            "campaign": self.campaign.to_json(),
            "respondents": {role: self.respondents.get(role, 0) for role in ROLES},
            "hidden_roles": {
                role: {"reason": reason, "note": self.hidden_note(reason)}
                for role, reason in self.hidden_roles.items()
            },
            "thresholds": self.thresholds.to_json(),
            "questions": [question.to_json() for question in self.questions],
            "gaps": [gap.to_json() for gap in self.gaps],
            "requirements": [
                {
                    "code": requirement.code,
                    "title": requirement.title,
                    "topics": [{"id": t.id, "title": t.title} for t in requirement.topics],
                }
                for requirement in self.requirements
            ],
            "requirement_scores": [score.to_json() for score in self.requirement_scores],
            "score": self.score,
            "level": {
                "computed": self.computed_level.to_json() if self.computed_level else None,
                "override": self.override_level.to_json() if self.override_level else None,
                "justification": self.override_justification,
                "final": self.final_level.to_json() if self.final_level else None,
            },
            "dynamics": self.dynamics.to_json() if self.dynamics else None,
        }
