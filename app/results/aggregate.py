"""Counts of a campaign straight from the database: a few GROUP BY queries per campaign.

No individual answer is loaded into Python. The cost of the queries grows with the number of
answers (the database scans the covering index ``ix_answer_aggregation``); the memory and the
Python work grow only with the number of questions and options.

Responses of different questionnaire versions in one campaign are merged by question key within
the role and by option key within the question (ids differ between versions, keys do not).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import aliased, selectinload

from app.analysis.engine import (
    UNSTATED_SEGMENT,
    CampaignCounts,
    OptionDef,
    QuestionCounts,
    QuestionDef,
)
from app.analysis.results import ROLES
from app.extensions import db
from app.models import Answer, Campaign, Question, Questionnaire, RespondentRole, Response


@dataclass(frozen=True)
class CampaignStructure:
    """The merged questions of a campaign and where each database id maps to.

    ``questions`` are in questionnaire order per role (the current version's order, then any
    question that only an older version had). ``question_ids`` maps a Question.id to (role,
    key); ``option_keys`` maps an Option.id to its key.
    """

    questions: tuple[QuestionDef, ...]
    question_ids: dict[int, tuple[str, str]]
    option_keys: dict[int, str]
    types: dict[tuple[str, str], str]

    def ids_of(self, keys: Iterable[tuple[str, str]]) -> list[int]:
        """Return the Question ids (every version) of these (role, key) pairs."""
        wanted = set(keys)
        return sorted(qid for qid, rk in self.question_ids.items() if rk in wanted)


def responses_per_questionnaire(campaign: Campaign) -> dict[tuple[int, str], int]:
    """Return {(questionnaire id, role): responses} of a campaign (one GROUP BY)."""
    rows = db.session.execute(
        select(Response.questionnaire_id, Response.role, func.count())
        .where(Response.campaign_id == campaign.id)
        .group_by(Response.questionnaire_id, Response.role)
    )
    return {(questionnaire_id, role): n for questionnaire_id, role, n in rows}


def campaign_questionnaires(
    campaign: Campaign, answered: Iterable[int] = ()
) -> list[Questionnaire]:
    """Return the campaign's questionnaire versions: the links' (current) ones first, then the
    ``answered`` ones (versions that responses point at), newest first."""
    current = [link.questionnaire_id for link in campaign.links]
    ids = list(dict.fromkeys([*current, *answered]))
    if not ids:
        return []
    loaded = db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.id.in_(ids))
        .options(selectinload(Questionnaire.questions).selectinload(Question.options))
    ).all()
    by_id = {questionnaire.id: questionnaire for questionnaire in loaded}
    # Current versions first, then older ones newest first: the newest wording wins.
    rest = sorted((i for i in ids if i not in current), key=lambda i: -by_id[i].version)
    return [by_id[i] for i in [*current, *rest] if i in by_id]


def _question_def(question: Question, role: str, options: Sequence[OptionDef]) -> QuestionDef:
    report = dict(question.report or {})
    return QuestionDef(
        role=role,
        key=question.key,
        number=question.number,
        text=question.text,
        type=question.type,
        options=tuple(options),
        instruction=question.instruction,
        topic=question.topic,
        measures=question.measures,
        segment=question.segment,
        scale=question.scale,
        requirement=report.get("requirement"),
        report_phrases=report or None,
    )


def campaign_structure(campaign: Campaign, answered: Iterable[int] = ()) -> CampaignStructure:
    """Return the merged question structure of a campaign: its links' questionnaires and the
    ``answered`` questionnaire ids (the versions its responses point at)."""
    merged: dict[tuple[str, str], tuple[Question, list[OptionDef]]] = {}
    order: dict[str, list[str]] = defaultdict(list)
    question_ids: dict[int, tuple[str, str]] = {}
    option_keys: dict[int, str] = {}
    for questionnaire in campaign_questionnaires(campaign, answered):
        role = questionnaire.role
        for question in questionnaire.questions:
            rk = (role, question.key)
            question_ids[question.id] = rk
            if rk not in merged:
                merged[rk] = (question, [])
                order[role].append(question.key)
            known = {option.key for option in merged[rk][1]}
            for option in question.options:
                option_keys[option.id] = option.key
                if option.key not in known:
                    merged[rk][1].append(OptionDef(option.key, option.text, option.value))
                    known.add(option.key)
    roles = [r for r in ROLES if r in order] + sorted(set(order) - set(ROLES))
    questions = tuple(
        _question_def(merged[(role, key)][0], role, merged[(role, key)][1])
        for role in roles
        for key in order[role]
    )
    types = {(q.role, q.key): q.type for q in questions}
    return CampaignStructure(questions, question_ids, option_keys, types)


def _option_counts(campaign_id: int) -> list[tuple[int, int | None, int]]:
    """Rows (question_id, option_id, answers): the one GROUP BY over the campaign's answers."""
    return [
        (qid, oid, n)
        for qid, oid, n in db.session.execute(
            select(Answer.question_id, Answer.option_id, func.count())
            .where(Answer.campaign_id == campaign_id)
            .group_by(Answer.question_id, Answer.option_id)
        )
    ]


def _distinct_respondents(campaign_id: int, question_ids: Sequence[int]) -> dict[int, int]:
    """Return {question_id: responses with an answer to it} for these questions."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Answer.question_id, func.count(Answer.response_id.distinct()))
        .where(Answer.campaign_id == campaign_id, Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id)
    )
    return {qid: n for qid, n in rows}


# SQLite's planner drives the plain join from the segment answers and fetches every other
# answer through the non-covering response_id index (2–3× slower). Materialising the segment
# answers and forcing the loop order with CROSS JOIN scans the covering aggregation index once
# and probes an automatic index on response_id instead.
_SQLITE_SEGMENT_JOIN = text(
    "WITH seg AS MATERIALIZED ("
    " SELECT response_id, option_id AS segment FROM answer"
    " WHERE campaign_id = :campaign AND question_id IN :segments)"
    " SELECT seg.segment, a.question_id, a.option_id, count(*) FROM answer AS a"
    " CROSS JOIN seg ON seg.response_id = a.response_id"
    " WHERE a.campaign_id = :campaign AND a.question_id IN :targets"
    " GROUP BY a.question_id, a.option_id, seg.segment"
).bindparams(bindparam("segments", expanding=True), bindparam("targets", expanding=True))


def _segment_counts(
    campaign_id: int, structure: CampaignStructure, totals: dict[tuple[str, str], QuestionCounts]
) -> dict[tuple[str, str], dict[str, QuestionCounts]]:
    """Counts of each role's single-choice questions per option of its segment question.

    One query per campaign over all segmented questions: every answer of those questions joined
    to the same response's segment answer, grouped by (segment option, question, option).
    Respondents without a segment answer form the UNSTATED_SEGMENT cell (total − the rest).
    """
    segment_keys: dict[str, str] = {}
    for q in structure.questions:
        if q.segment and q.type == "single":
            segment_keys.setdefault(q.role, q.key)
    if not segment_keys:
        return {}
    targets = [
        (q.role, q.key)
        for q in structure.questions
        if q.role in segment_keys and q.type == "single" and q.key != segment_keys[q.role]
    ]
    target_ids = structure.ids_of(targets)
    segment_ids = structure.ids_of(segment_keys.items())
    if not target_ids or not segment_ids:
        return {}
    if db.session.get_bind().dialect.name == "sqlite":
        rows = db.session.execute(
            _SQLITE_SEGMENT_JOIN,
            {"campaign": campaign_id, "segments": segment_ids, "targets": target_ids},
        )
    else:
        seg = aliased(Answer)
        rows = db.session.execute(
            select(seg.option_id, Answer.question_id, Answer.option_id, func.count())
            .join(seg, seg.response_id == Answer.response_id)
            .where(
                Answer.campaign_id == campaign_id,
                Answer.question_id.in_(target_ids),
                seg.campaign_id == campaign_id,
                seg.question_id.in_(segment_ids),
            )
            .group_by(seg.option_id, Answer.question_id, Answer.option_id)
        )
    cells: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for segment_option, qid, oid, n in rows:
        if oid is None or segment_option is None:
            continue
        rk = structure.question_ids[qid]
        segment = structure.option_keys[segment_option]
        cells[rk][segment][structure.option_keys[oid]] += n
    result: dict[tuple[str, str], dict[str, QuestionCounts]] = {}
    for rk in targets:
        by_segment = cells.get(rk, {})
        total = totals.get(rk, QuestionCounts(0))
        counted = {k: QuestionCounts(sum(v.values()), dict(v)) for k, v in by_segment.items()}
        unstated = {
            key: total.options.get(key, 0) - sum(c.options.get(key, 0) for c in counted.values())
            for key in total.options
        }
        unstated = {key: n for key, n in unstated.items() if n > 0}
        if unstated:
            counted[UNSTATED_SEGMENT] = QuestionCounts(sum(unstated.values()), unstated)
        if counted:
            result[rk] = counted
    return result


def _tune_connection() -> None:
    """Let the database aggregate in memory: the analysis sorts or hashes up to a few hundred
    thousand (question, respondent) pairs. PostgreSQL: work_mem for this transaction only, and
    no JIT (its compile time exceeds these queries' run time). SQLite: temporary B-trees in RAM.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        connection.exec_driver_sql("SET LOCAL jit = off")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA temp_store = MEMORY")


def load_campaign(
    campaign: Campaign, segments: bool = True
) -> tuple[CampaignStructure, CampaignCounts]:
    """Return the merged question structure and the counts of a campaign.

    Queries: responses per (questionnaire, role); the questionnaires with their questions and
    options; one GROUP BY (question, option) over the answers; the distinct respondents of
    multiple-choice questions (and of any single-choice or text question whose answer rows
    outnumber its role's respondents, a malformed import); with ``segments``, one segment join.
    An empty campaign gives zero counts.
    """
    _tune_connection()
    per_questionnaire = responses_per_questionnaire(campaign)
    respondents = {role.value: 0 for role in RespondentRole}
    for (_questionnaire_id, role), n in per_questionnaire.items():
        respondents[role] = respondents.get(role, 0) + n
    structure = campaign_structure(campaign, [qid for qid, _role in per_questionnaire])
    return structure, campaign_counts(campaign, structure, respondents, segments)


def campaign_counts(
    campaign: Campaign,
    structure: CampaignStructure,
    respondents: dict[str, int],
    segments: bool = True,
) -> CampaignCounts:
    """Return the counts of a campaign per question and option, and its segment cells."""
    options: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows_per_question: dict[int, int] = defaultdict(int)
    for qid, oid, n in _option_counts(campaign.id):
        rk = structure.question_ids.get(qid)
        if rk is None:  # an answer to a question of a questionnaire outside the campaign
            continue
        rows_per_question[qid] += n
        if oid is not None and oid in structure.option_keys:
            options[rk][structure.option_keys[oid]] += n
    rows_per_key: dict[tuple[str, str], int] = defaultdict(int)
    for qid, n in rows_per_question.items():
        rows_per_key[structure.question_ids[qid]] += n
    need_distinct = [
        qid
        for qid, rk in structure.question_ids.items()
        if qid in rows_per_question
        and (structure.types.get(rk) == "multiple" or rows_per_key[rk] > respondents.get(rk[0], 0))
    ]
    distinct = _distinct_respondents(campaign.id, sorted(need_distinct))
    answered: dict[tuple[str, str], int] = defaultdict(int)
    for qid, n in rows_per_question.items():
        answered[structure.question_ids[qid]] += distinct.get(qid, n)
    totals = {
        (q.role, q.key): QuestionCounts(
            answered.get((q.role, q.key), 0), dict(options.get((q.role, q.key), {}))
        )
        for q in structure.questions
    }
    return CampaignCounts(
        respondents=respondents,
        questions=totals,
        segments=_segment_counts(campaign.id, structure, totals) if segments else {},
    )
