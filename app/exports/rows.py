"""Streaming reads of a campaign's responses for the exports (app/exports/writers.py).

``iter_responses`` walks one role's responses with one SELECT whose rows arrive in batches
(``yield_per``: a server-side cursor on PostgreSQL), so memory stays constant whatever the number
of responses. Rows carry no submission id and no time finer than the date, and they come in the
order of the responses' random ``shuffle_key``, never in the order they arrived: a row's number
in an export says nothing about when it was sent (docs/methodology.md, "Order and dates").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import String, case, func, select, type_coerce

from app.analysis.engine import (
    CampaignCounts,
    hidden_groups,
    hidden_roles_of,
    segment_questions,
    thresholds_from,
)
from app.extensions import db
from app.models import Answer, Campaign, Response
from app.results.aggregate import (
    FORM_SOURCE,
    CampaignStructure,
    campaign_structure,
    responses_by_source,
)
from app.vocabulary import DEFAULT_MIN_GROUP_SIZE

BATCH = 2_000


@dataclass(frozen=True)
class ExportOption:
    key: str
    text: str


@dataclass(frozen=True)
class ExportQuestion:
    """A role's question as the export shows it (merged over questionnaire versions by key)."""

    key: str
    number: int
    text: str
    type: str  # "single" | "multiple" | "text"
    options: tuple[ExportOption, ...]
    #: Options of the role's segment question (the grade) whose group is too small to show:
    #: a row's answer would single its respondents out (docs/exports.md, "Privacy").
    hidden_options: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExportedResponse:
    """One response: its date (Kyiv) and answers {question key: [option keys] or text}."""

    submitted_on: date
    answers: dict[str, list[str] | str]


@dataclass(frozen=True)
class ExportStructure:
    """The questions of each role and the id → key maps the row reader needs."""

    questions: dict[str, tuple[ExportQuestion, ...]]
    question_keys: dict[int, tuple[str, str]]
    option_keys: dict[int, str]
    #: {role: reason} of the roles the analysis shows only as a count
    #: (app.analysis.engine.hidden_roles_of): their exports hold no response (docs/exports.md).
    hidden_roles: Mapping[str, str] = field(default_factory=dict)
    #: Responses per role, and the privacy threshold the decision was made with.
    respondents: Mapping[str, int] = field(default_factory=dict)
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE


def export_structure(campaign: Campaign) -> ExportStructure:
    """Return the campaign's questions per role (current versions' order, then older-only
    questions) and the id maps, from the questionnaires of its links and of its responses.

    Each role's segment question carries the option keys to hide (:func:`hidden_segments`);
    ``hidden_roles`` names the roles hidden as a whole, decided by the analysis's own rule
    (app.analysis.engine.hidden_roles_of) on the responses per role and source, which the one
    GROUP BY that finds the answered questionnaires counts too. Raises nothing.
    """
    by_source = responses_by_source(campaign)
    structure = campaign_structure(campaign, [qid for qid, _role in by_source])
    threshold = privacy_threshold(campaign)
    respondents: Counter[str] = Counter()
    imported: Counter[str] = Counter()
    for (_questionnaire_id, role), (n, from_imports) in by_source.items():
        respondents[role] += n
        imported[role] += from_imports
    counts = CampaignCounts(
        respondents=dict(respondents),
        questions={},
        imported=CampaignCounts(respondents=dict(imported), questions={}),
    )
    hidden = hidden_segments(campaign, structure, threshold)
    questions: dict[str, list[ExportQuestion]] = {}
    for question in structure.questions:
        questions.setdefault(question.role, []).append(
            ExportQuestion(
                key=question.key,
                number=question.number,
                text=question.text,
                type=question.type,
                options=tuple(ExportOption(o.key, o.text) for o in question.options),
                hidden_options=hidden.get((question.role, question.key), frozenset()),
            )
        )
    return ExportStructure(
        questions={role: tuple(items) for role, items in questions.items()},
        question_keys=dict(structure.question_ids),
        option_keys=dict(structure.option_keys),
        hidden_roles=hidden_roles_of(counts, threshold),
        respondents=dict(respondents),
        min_group_size=threshold,
    )


def privacy_threshold(campaign: Campaign) -> int:
    """Return the campaign's privacy threshold as the analysis takes it: the stricter of the
    configuration's ``ANKETA_MIN_GROUP_SIZE`` and the direction's own (engine.thresholds_from).
    Raises ValueError for a direction whose thresholds are not numbers."""
    return thresholds_from(
        campaign.direction.definition or {},
        int(current_app.config["ANKETA_MIN_GROUP_SIZE"]),
    ).min_group_size


def hidden_segments(
    campaign: Campaign, structure: CampaignStructure, threshold: int
) -> dict[tuple[str, str], frozenset[str]]:
    """Return {(role, segment question key): option keys to hide} for the campaign's roles.

    A role's segment question is its first single-choice question marked ``segment`` (the
    analysis's rule). Its groups are hidden by the analysis's own rule
    (app.analysis.engine.hidden_groups) with the campaign's privacy ``threshold``
    (:func:`privacy_threshold`), on each grade's
    respondents per source (form, imports), so a grade the results page hides is hidden in the
    responses too. One GROUP BY. Raises nothing.
    """
    segment_of = segment_questions(structure.questions)
    if not segment_of:
        return {}
    ids = structure.ids_of((role, q.key) for role, q in segment_of.items())
    imported = case((Response.source != FORM_SOURCE, 1), else_=0)
    rows = db.session.execute(
        select(Answer.question_id, Answer.option_id, imported, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.campaign_id == campaign.id, Answer.question_id.in_(ids))
        .group_by(Answer.question_id, Answer.option_id, imported)
    )
    sizes: dict[tuple[str, str], Counter[tuple[str, int]]] = defaultdict(Counter)
    for question_id, option_id, from_import, n in rows:
        if option_id in structure.option_keys:  # versions merge by option key
            key = (structure.option_keys[option_id], int(from_import))
            sizes[structure.question_ids[question_id]][key] += n
    hidden = {}
    for role, question in segment_of.items():
        counted = sizes[(role, question.key)]
        ordered = {
            o.key: (counted[(o.key, 0)], counted[(o.key, 1)])
            for o in question.options
            if counted[(o.key, 0)] or counted[(o.key, 1)]
        }
        hidden[(role, question.key)] = frozenset(hidden_groups(ordered, threshold))
    return hidden


def as_date(value: date | str) -> date:
    """Return a stored date as a date (SQLite gives its ISO text, read raw below)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def iter_responses(
    campaign: Campaign, role: str, structure: ExportStructure, batch: int = BATCH
) -> Iterator[ExportedResponse]:
    """Yield a role's responses in ``shuffle_key`` order, one at a time (constant memory).

    One SELECT of responses left-joined to their answers, ordered by the responses' random
    shuffle key (then their submission id, which only two equal keys would need, and which is
    random too) and fetched ``batch`` rows at a time; a response without answers still gives a
    row. Answers to a question outside the campaign's questionnaires are skipped.
    """
    # The date is read raw (no per-row type processing: it repeats on every answer row) and
    # converted once per response; the Core connection skips the ORM's row handling.
    submitted = type_coerce(Response.submitted_on, String)
    statement = (
        select(Response.id, submitted, Answer.question_id, Answer.option_id, Answer.text)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.campaign_id == campaign.id, Response.role == role)
        .order_by(Response.shuffle_key, Response.submission_id, Answer.id)
        .execution_options(yield_per=batch)
    )  # fmt: skip
    keys = structure.question_keys
    options = structure.option_keys
    current: int | None = None
    submitted_on: date | None = None
    answers: dict[str, list[str] | str] = {}
    result = db.session.connection().execute(statement)
    rows = (row for partition in result.partitions() for row in partition)
    for response_id, day, question_id, option_id, text in rows:
        if response_id != current:
            if current is not None:
                yield ExportedResponse(submitted_on, answers)  # type: ignore[arg-type]
            current = response_id
            submitted_on = as_date(day)
            answers = {}
        if question_id is None or question_id not in keys:
            continue
        key = keys[question_id][1]
        if option_id is not None:
            chosen = answers.setdefault(key, [])
            if isinstance(chosen, list) and option_id in options:
                chosen.append(options[option_id])
        elif text is not None:
            answers[key] = text
    if current is not None:
        yield ExportedResponse(submitted_on, answers)  # type: ignore[arg-type]
