"""What the results and texts pages show, arranged from a ``CampaignAnalysis``.

Nothing here computes a statistic: every figure comes from ``analyze_campaign``. This module
only groups (requirement → topic → construct), picks (the gaps of the summary, the change since
the previous campaign) and sorts. The open-text answers are read here too: the analysis never
looks at texts, and only the working group may read them.
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
    title: str  # the topic's title (or the question's text outside any topic)
    question: str  # the first role's question text
    option_text: str | None
    role_a: str
    role_b: str
    share_a: float | None
    share_b: float | None
    difference_pp: float
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
        blocks.append(ConstructBlock(anchor, question.text, _kind(question), members, gaps))
    return tuple(blocks)


def _significant(p_value: float | None, analysis: CampaignAnalysis) -> bool | None:
    return analysis.thresholds.is_significant(p_value)


def gap_summary(
    analysis: CampaignAnalysis, titles: Mapping[str, tuple[str, str]]
) -> tuple[GapItem, ...]:
    """Return the summary's gaps: every key gap by size (largest first), then the largest
    ``SUMMARY_EXTRA_GAPS`` others. A multiple-choice gap gives one item per option gap.

    ``titles`` maps a construct id to (topic title, first question's text).
    """
    items: list[GapItem] = []
    for gap in analysis.gaps:
        title, question = titles.get(gap.construct, (gap.construct, ""))
        anchor = f"c-{gap.construct}"
        if gap.kind == "multiple":
            for option in gap.option_gaps:
                if option.difference_pp is None:
                    continue
                items.append(
                    GapItem(anchor, title, question, option.option_text, gap.role_a, gap.role_b,
                            option.percent_a, option.percent_b, option.difference_pp,
                            option.p_value, _significant(option.p_value, analysis), option.key)
                )  # fmt: skip
        elif gap.difference_pp is not None:
            items.append(
                GapItem(anchor, title, question, None, gap.role_a, gap.role_b, gap.share_a,
                        gap.share_b, gap.difference_pp, gap.p_value,
                        _significant(gap.p_value, analysis), gap.key)
            )  # fmt: skip
    items.sort(key=lambda item: (not item.key, -abs(item.difference_pp)))
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
    their text. For the working group only: the caller checks ``user.can_edit``. Questions of
    every questionnaire version are merged by (role, key).
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


def results_page(
    analysis: CampaignAnalysis, campaign: Campaign | None = None, user: User | None = None
) -> ResultsPage:
    """Return the results page's content: requirements with their topics and constructs,
    the questions outside any topic, the gap summary and, for a member or admin ``user``, the
    open answers of ``campaign`` (none of a role the analysis hides). Raises nothing."""
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
    topic_titles = {t.id: t.title for r in analysis.requirements for t in r.topics}
    titles: dict[str, tuple[str, str]] = {}
    for question in analysis.questions:
        if question.measures and question.measures not in titles:
            topic_title = topic_titles.get(question.topic or "")
            titles[question.measures] = (
                topic_title or question.text,
                question.text if topic_title else "",
            )
    answers = open_answers(campaign) if campaign is not None and user and user.can_edit else ()
    # A role shown only as a count shows no texts either (docs/methodology.md, «Приватність»).
    answers = tuple(group for group in answers if group.role not in analysis.hidden_roles)
    roles = tuple(role for role in ROLES if role in {q.role for q in analysis.questions})
    return ResultsPage(
        analysis=analysis,
        requirements=tuple(requirements),
        others=others,
        summary=gap_summary(analysis, titles),
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
