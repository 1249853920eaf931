"""What the results and texts pages show, arranged from a ``CampaignAnalysis``.

Nothing here computes a statistic: every figure comes from ``analyze_campaign``. This module
only groups (requirement → topic → construct, questions by answer scale), picks (the gaps of
the summary, the change since the previous campaign) and sorts. The open-text answers are read
here too: the analysis never looks at texts; whose texts may be shown it decides (hidden roles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.analysis.results import (
    CampaignAnalysis,
    Gap,
    OptionResult,
    QuestionResult,
    Requirement,
    RequirementScore,
    Topic,
)
from app.errors import AnketaError
from app.extensions import db
from app.models import Answer, Campaign, Question, Response, User
from app.reports.errors import ReportError
from app.reports.texts import Recommendation, ReportTexts, load_texts, save_texts
from app.vocabulary import ROLES

#: How many gaps that are not key the summary lists after the key ones.
SUMMARY_EXTRA_GAPS = 4
#: How many open answers per question the results page shows (the export has them all).
OPEN_ANSWERS_SHOWN = 100
#: How many gaps the summary shows before the rest are folded away.
SUMMARY_VISIBLE_GAPS = 5


@dataclass(frozen=True)
class ScaleGroup:
    """The questions of a construct that share one answer scale (the same options), with
    those options: each group gets its own legend and table columns."""

    options: tuple[OptionResult, ...]
    questions: tuple[QuestionResult, ...]
    ordinal: bool


@dataclass(frozen=True)
class BaseNote:
    """Why a question's positive share differs from its positive options' shares: «не знаю»
    answers are not part of its base (docs/methodology.md)."""

    role: str
    positive_share: float | None
    unknown_share: float | None
    positive_options: tuple[str, ...]


@dataclass(frozen=True)
class ConstructBlock:
    """Questions shown together on one scale: the roles' versions of one construct, or one
    question on its own. ``anchor`` is the HTML id of its block."""

    anchor: str
    title: str
    kind: str  # "ordinal" | "multiple" | "nominal" | "text"
    questions: tuple[QuestionResult, ...]
    gaps: tuple[Gap, ...] = ()

    @property
    def has_key_gap(self) -> bool:
        return any(gap.key for gap in self.gaps)

    @property
    def scale_groups(self) -> tuple[ScaleGroup, ...]:
        """Return the questions grouped by answer scale, in the roles' order (hidden ones,
        which show no options, with the first group)."""
        return scale_groups(self.questions)

    @property
    def has_segments(self) -> bool:
        """True when a question of the block has a breakdown by group to show."""
        return any(q.segment_breakdown and q.segment_breakdown.cells for q in self.questions)

    @property
    def base_notes(self) -> tuple[BaseNote, ...]:
        """Return a note for each shown ordinal question with «не знаю» answers."""
        return tuple(
            BaseNote(q.role, q.positive_share, q.unknown_share,
                     tuple(o.text for o in q.options if o.positive))
            for q in self.questions if q.ordinal and q.unknown_count and not q.hidden
        )  # fmt: skip


@dataclass(frozen=True)
class TopicBlock:
    topic: Topic
    constructs: tuple[ConstructBlock, ...]


@dataclass(frozen=True)
class RequirementBlock:
    requirement: Requirement
    score: RequirementScore | None
    change_pp: float | None
    topics: tuple[TopicBlock, ...]


@dataclass(frozen=True)
class GapItem:
    """One line of «Де погляди розходяться найбільше»: a gap (or one option of a
    multiple-choice gap) with the words that explain its p-value."""

    anchor: str
    title: str  # the construct's name (CampaignAnalysis.construct_name)
    option_text: str | None
    role_a: str
    role_b: str
    share_a: float | None
    share_b: float | None
    printed_difference_pp: float  # share_a − share_b of the printed shares
    p_value: float | None
    significant: bool | None  # None: nothing to test
    key: bool


@dataclass(frozen=True)
class OpenAnswers:
    """A text question's answers (at most ``OPEN_ANSWERS_SHOWN``, in alphabetical order) and how
    many there are."""

    role: str
    key: str
    number: int
    text: str
    total: int
    answers: tuple[str, ...]


@dataclass(frozen=True)
class ResultsPage:
    """Everything the results template needs, in the order it is shown."""

    analysis: CampaignAnalysis
    requirements: tuple[RequirementBlock, ...]
    others: tuple[ConstructBlock, ...]
    summary: tuple[GapItem, ...]
    roles: tuple[str, ...]
    open_answers: tuple[OpenAnswers, ...] = ()
    changes: Mapping[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def blocks(self) -> tuple[ConstructBlock, ...]:
        """Return every construct block of the page, in the page's order."""
        return (
            tuple(c for r in self.requirements for t in r.topics for c in t.constructs)
            + self.others
        )

    @property
    def summary_shown(self) -> tuple[GapItem, ...]:
        """Return the summary's first gaps, shown; the others are folded."""
        return self.summary[:SUMMARY_VISIBLE_GAPS]

    @property
    def summary_folded(self) -> tuple[GapItem, ...]:
        return self.summary[SUMMARY_VISIBLE_GAPS:]


def scale_groups(questions: Sequence[QuestionResult]) -> tuple[ScaleGroup, ...]:
    """Return ``questions`` grouped by their options' keys, first appearance first; a hidden
    question (no options published) joins the first group."""
    groups: dict[tuple[str, ...], list[QuestionResult]] = {}
    hidden = [q for q in questions if q.hidden]
    for question in questions:
        if not question.hidden:
            groups.setdefault(tuple(o.key for o in question.options), []).append(question)
    if not groups:
        return (ScaleGroup((), tuple(questions), False),)
    result = []
    for index, members in enumerate(groups.values()):
        shown = members + hidden if index == 0 else members
        ordered = tuple(q for q in questions if q in shown)
        result.append(ScaleGroup(members[0].options, ordered, members[0].ordinal))
    return tuple(result)


def _kind(question: QuestionResult) -> str:
    if question.type == "text":
        return "text"
    if question.type == "multiple":
        return "multiple"
    return "ordinal" if question.ordinal else "nominal"


def _anchor(question: QuestionResult) -> str:
    return f"c-{question.measures}" if question.measures else f"q-{question.role}-{question.key}"


def _blocks(
    questions: Sequence[QuestionResult], analysis: CampaignAnalysis, seen: set[str]
) -> tuple[ConstructBlock, ...]:
    """Group questions by construct (first appearance decides the place); skip ``seen`` ones."""
    blocks: list[ConstructBlock] = []
    for question in questions:
        anchor = _anchor(question)
        if anchor in seen:
            continue
        seen.add(anchor)
        if question.measures:
            members = tuple(
                q for role in ROLES for q in analysis.questions
                if q.role == role and q.measures == question.measures
            )  # fmt: skip
            gaps = analysis.gaps_for_construct(question.measures)
        else:
            members, gaps = (question,), ()
        # Several groups' questions go by the construct's name, one question by its own text.
        title = analysis.construct_name(question.measures or "") if len(members) > 1 else None
        blocks.append(
            ConstructBlock(anchor, title or question.text, _kind(question), members, gaps)
        )
    return tuple(blocks)


def _significant(p_value: float | None, analysis: CampaignAnalysis) -> bool | None:
    return analysis.thresholds.is_significant(p_value)


def gap_summary(analysis: CampaignAnalysis) -> tuple[GapItem, ...]:
    """Return the summary's gaps: every key gap by size (largest first), then the largest
    ``SUMMARY_EXTRA_GAPS`` others. A multiple-choice gap gives one item per option gap. Each
    is called by its construct's name."""
    items: list[GapItem] = []
    for gap in analysis.gaps:
        title = analysis.construct_name(gap.construct)
        anchor = f"c-{gap.construct}"
        if gap.kind == "multiple":
            for option in gap.option_gaps:
                if option.difference_pp is None:
                    continue
                items.append(
                    GapItem(anchor, title, option.option_text, gap.role_a, gap.role_b,
                            option.percent_a, option.percent_b, option.printed_difference_pp or 0.0,
                            option.p_value, _significant(option.p_value, analysis), option.key)
                )  # fmt: skip
        elif gap.difference_pp is not None:
            items.append(
                GapItem(anchor, title, None, gap.role_a, gap.role_b, gap.share_a,
                        gap.share_b, gap.printed_difference_pp or 0.0, gap.p_value,
                        _significant(gap.p_value, analysis), gap.key)
            )  # fmt: skip
    items.sort(key=lambda item: (not item.key, -abs(item.printed_difference_pp)))
    key_count = sum(1 for item in items if item.key)
    return tuple(items[: key_count + SUMMARY_EXTRA_GAPS])


def question_changes(analysis: CampaignAnalysis) -> dict[tuple[str, str], Any]:
    """Return {(role, key): QuestionChange} of the questions matched with the previous
    campaign (empty when there is none)."""
    if analysis.dynamics is None:
        return {}
    return {(change.role, change.key): change for change in analysis.dynamics.questions}


# Ukrainian letters in the alphabet's order (code points put є, і, ї and ґ after я).
UKRAINIAN_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"  # i18n: data
_ALPHABET_ORDER = str.maketrans(
    {letter: chr(0xF0000 + index) for index, letter in enumerate(UKRAINIAN_ALPHABET)}
)


def alphabetical(text: str) -> tuple[str, str]:
    """Return a sort key that orders texts as a Ukrainian reader expects (case ignored, then
    the text itself, so that equal keys still sort the same way on every run)."""
    return text.casefold().translate(_ALPHABET_ORDER), text


def open_answers(campaign: Campaign, limit: int = OPEN_ANSWERS_SHOWN) -> tuple[OpenAnswers, ...]:
    """Return the campaign's open-text answers per text question (``limit`` of each, sorted
    alphabetically).

    Never in the order they arrived (docs/methodology.md, "Order and dates"): when there are
    more than ``limit``, the ones shown are those of the responses with the lowest random
    ``shuffle_key`` (a sample that does not depend on arrival), and they are shown sorted by
    their text. Questions of every questionnaire version are merged by (role, key); the
    caller drops the ones the analysis hides.
    """
    questions = db.session.execute(
        select(Response.role, Question.key, func.min(Question.number), func.min(Question.text),
               func.count(Answer.id))
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.campaign_id == campaign.id, Question.type == "text",
               Answer.text.is_not(None))
        .group_by(Response.role, Question.key)
    ).all()  # fmt: skip
    result = []
    for role, key, number, text, total in sorted(
        questions, key=lambda row: (ROLES.index(row[0]) if row[0] in ROLES else 9, row[2])
    ):
        texts = db.session.scalars(
            select(Answer.text)
            .join(Question, Question.id == Answer.question_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.campaign_id == campaign.id, Response.role == role,
                   Question.key == key, Answer.text.is_not(None))
            .order_by(Response.shuffle_key, Response.submission_id)
            .limit(limit)
        ).all()  # fmt: skip
        shown = tuple(sorted((t for t in texts if t is not None), key=alphabetical))
        result.append(OpenAnswers(role, key, number, text, total, shown))
    return tuple(result)


def _texts_shown(analysis: CampaignAnalysis, group: OpenAnswers) -> bool:
    """A role (or question) the analysis shows only as a count shows no texts either
    (docs/methodology.md, «Приватність»)."""
    if group.role in analysis.hidden_roles:
        return False
    try:
        return analysis.question(group.role, group.key).hidden is None
    except KeyError:  # a question of an older version only: the role's rule decides
        return True


def results_page(
    analysis: CampaignAnalysis, campaign: Campaign | None = None, user: User | None = None
) -> ResultsPage:
    """Return the results page's content: requirements with their topics and constructs,
    the questions outside any topic, the gap summary and, for a ``user`` who may see the
    results (director, member, admin), the open answers of ``campaign`` (none of a role or
    question the analysis hides). Raises nothing."""
    seen: set[str] = set()
    requirements = []
    topic_ids: set[str] = set()
    dynamics = analysis.dynamics
    for requirement in analysis.requirements:
        topics = []
        for topic in requirement.topics:
            topic_ids.add(topic.id)
            blocks = _blocks(analysis.questions_for_topic(topic.id), analysis, seen)
            if blocks:
                topics.append(TopicBlock(topic, blocks))
        change = dynamics.requirement_changes.get(requirement.code) if dynamics else None
        requirements.append(
            RequirementBlock(requirement, analysis.requirement_score(requirement.code), change,
                             tuple(topics))
        )  # fmt: skip
    leftovers = [q for q in analysis.questions if q.topic not in topic_ids]
    others = _blocks(leftovers, analysis, seen)
    answers = open_answers(campaign) if campaign is not None and user else ()
    answers = tuple(group for group in answers if _texts_shown(analysis, group))
    roles = tuple(role for role in ROLES if role in {q.role for q in analysis.questions})
    return ResultsPage(
        analysis=analysis,
        requirements=tuple(requirements),
        others=others,
        summary=gap_summary(analysis),
        roles=roles,
        open_answers=answers,
        changes=question_changes(analysis),
    )


# The texts page ---------------------------------------------------------------------------


def topic_fields(campaign: Campaign) -> list[tuple[str, str]]:
    """Return (topic id, title) of every topic of the campaign's direction, in order."""
    return [
        (str(topic["id"]), str(topic.get("title", topic["id"])))
        for requirement in campaign.direction.requirements
        for topic in requirement.get("topics", [])
        if isinstance(topic, Mapping) and topic.get("id")
    ]


def requirement_fields(campaign: Campaign) -> list[tuple[str, str]]:
    """Return (requirement code, title) of the campaign's direction, in order."""
    return [
        (str(requirement["id"]), str(requirement.get("title", requirement["id"])))
        for requirement in campaign.direction.requirements
        if requirement.get("id")
    ]


def _split_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


_ITEM_PREFIXES = ("- ", "– ", "— ", "• ", "* ")


def recommendations_from_text(text: str | None) -> list[str | dict[str, Any]]:
    """Parse the recommendations textarea: one recommendation a line; lines starting with
    «- » (or «• ») are bullet items of the recommendation above them."""
    result: list[str | dict[str, Any]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(_ITEM_PREFIXES) and result:
            item = line[2:].strip()
            last = result[-1]
            if isinstance(last, str):
                result[-1] = {"title": last, "items": [item]}
            else:
                last["items"].append(item)
        else:
            result.append(line)
    return result


def recommendations_to_text(recommendations: Sequence[Recommendation]) -> str:
    """Return the recommendations as the textarea shows them (inverse of the parser)."""
    lines: list[str] = []
    for recommendation in recommendations:
        lines.append(recommendation.title)
        lines.extend(f"- {item}" for item in recommendation.items)
    return "\n".join(lines)


def texts_form_data(campaign: Campaign) -> dict[str, Any]:
    """Return the stored texts as the texts form's field values (``topic_<id>`` and
    ``requirement_<n>`` for the notes). Raises ReportError if the stored JSON is malformed."""
    texts = load_texts(campaign)
    data: dict[str, Any] = {
        "period": texts.period,
        "order_number": texts.order_number,
        "order_date": texts.order_date,
        "working_group": "\n".join(texts.working_group),
        "introduction": texts.introduction,
        "shortcomings": "\n".join(texts.shortcomings),
        "improvements": "\n".join(texts.improvements),
        "recommendations": recommendations_to_text(texts.recommendations),
        "level_override": texts.level_override or "",
        "level_justification": texts.level_justification,
        "closing": texts.closing,
        "signed_by": texts.signed_by,
    }
    for topic_id, _title in topic_fields(campaign):
        data[f"topic_{topic_id}"] = texts.topic_notes.get(topic_id, "")
    for index, (code, _title) in enumerate(requirement_fields(campaign)):
        data[f"requirement_{index}"] = texts.requirement_notes.get(code, "")
    return data


def save_texts_from_form(campaign: Campaign, data: Mapping[str, Any], user: User) -> ReportTexts:
    """Store the texts page's values (as ``texts_form_data`` names them) on the campaign.

    Raises AnketaError when the user may not edit this school's texts, or with the message of
    an invalid level override or justification (nothing is stored then).
    """
    if not (user.can_edit and user.can_see_school(campaign.school_id)):
        raise AnketaError(_("Редагувати тексти довідки може лише робоча група цього закладу."))
    mapping: dict[str, Any] = {
        name: (data.get(name) or "").strip()
        for name in ("period", "order_number", "order_date", "introduction",
                     "level_justification", "closing", "signed_by")
    }  # fmt: skip
    mapping["working_group"] = _split_lines(data.get("working_group"))
    mapping["shortcomings"] = _split_lines(data.get("shortcomings"))
    mapping["improvements"] = _split_lines(data.get("improvements"))
    mapping["recommendations"] = recommendations_from_text(data.get("recommendations"))
    mapping["level_override"] = data.get("level_override") or None
    mapping["topic_notes"] = {
        topic_id: data.get(f"topic_{topic_id}") or "" for topic_id, _title in topic_fields(campaign)
    }
    mapping["requirement_notes"] = {
        code: data.get(f"requirement_{index}") or ""
        for index, (code, _title) in enumerate(requirement_fields(campaign))
    }
    if not mapping["level_override"]:
        mapping["level_justification"] = ""
    try:
        texts = ReportTexts.from_mapping(mapping)
        save_texts(campaign, texts)
    except ReportError as error:
        db.session.rollback()
        raise AnketaError(str(error)) from error
    except AnketaError:
        db.session.rollback()
        raise
    return texts


def set_override(campaign: Campaign, level: str | None, justification: str | None,
                 user: User) -> Campaign:  # fmt: skip
    """Set (or clear, for an empty ``level``) the working group's level of the campaign.

    Raises AnketaError (Ukrainian message) when the user may not edit it, the level is unknown
    or the justification is too short; nothing is stored then.
    """
    from app.results.service import set_level_override

    try:
        return set_level_override(campaign, level or None, justification, user)
    except AnketaError:
        db.session.rollback()
        raise
