"""Counts of a campaign straight from the database: its answers are read once.

One GROUP BY over the campaign's answers (question, option, tally) gives every count the
analysis needs: options, respondents per question (the rows with a ``tally``: one per response and
question) and the segment breakdowns (a tally above 0 is the respondent's segment option, e.g. the
grade; the column is written by app/surveys/respondent/answer_rows.py). No individual answer is
loaded into Python. The cost of the query grows with the number of answers (an index-only scan of
``ix_answer_campaign_counts``); the memory and the Python work grow only with the number of
questions, options and segments.

Responses of different questionnaire versions in one campaign are merged by question key within
the role and by option key within the question (ids differ between versions, keys do not).

The privacy rule counts the responses that did not come through the form (imports) apart from
the others (docs/methodology.md, «Приватність»). The count of responses per role says whether a
role mixes the two; only then a second GROUP BY of the same shape reads the imported responses'
answers (through ``answer.response_id``), so a campaign without imports costs nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import selectinload

from app.analysis.engine import (
    UNSTATED_SEGMENT,
    CampaignCounts,
    OptionDef,
    QuestionCounts,
    QuestionDef,
    segment_questions,
)
from app.extensions import db
from app.models import Answer, Campaign, Question, Questionnaire, Response
from app.vocabulary import ROLES, RespondentRole


@dataclass(frozen=True)
class CampaignStructure:
    """The merged questions of a campaign and where each database id maps to.

    ``questions`` are in questionnaire order per role (the current version's order, then any
    question that only an older version had). ``question_ids`` maps a Question.id to (role,
    key); ``option_keys`` maps an Option.id to its key and ``option_questions`` to its
    Question.id.
    """

    questions: tuple[QuestionDef, ...]
    question_ids: dict[int, tuple[str, str]]
    option_keys: dict[int, str]
    types: dict[tuple[str, str], str]
    option_questions: dict[int, int] = field(default_factory=dict)

    def ids_of(self, keys: Iterable[tuple[str, str]]) -> list[int]:
        """Return the Question ids (every version) of these (role, key) pairs."""
        wanted = set(keys)
        return sorted(qid for qid, rk in self.question_ids.items() if rk in wanted)


#: ``Response.source`` of a response submitted through the form; every other value (an import,
#: demo or seed data) counts as imported for the privacy rule.
FORM_SOURCE = "web"


def responses_by_source(campaign: Campaign) -> dict[tuple[int, str], tuple[int, int]]:
    """Return {(questionnaire id, role): (responses, imported responses)} of a campaign (one
    GROUP BY; imported: ``source`` other than FORM_SOURCE)."""
    imported = func.sum(case((Response.source != FORM_SOURCE, 1), else_=0))
    rows = db.session.execute(
        select(Response.questionnaire_id, Response.role, func.count(), imported)
        .where(Response.campaign_id == campaign.id)
        .group_by(Response.questionnaire_id, Response.role)
    )
    return {(qid, role): (n, int(i or 0)) for qid, role, n, i in rows}


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


def question_def(
    question: Question, role: str, options: Sequence[OptionDef] | None = None
) -> QuestionDef:
    """Return the analysis's view of a stored question (``options``: its own by default)."""
    if options is None:
        options = [OptionDef(o.key, o.text, o.value) for o in question.options]
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
        requirement=question.requirement or report.get("requirement"),
        report_phrases=report or None,
    )


def campaign_structure(campaign: Campaign, answered: Iterable[int] = ()) -> CampaignStructure:
    """Return the merged question structure of a campaign: its links' questionnaires and the
    ``answered`` questionnaire ids (the versions its responses point at)."""
    merged: dict[tuple[str, str], tuple[Question, list[OptionDef]]] = {}
    order: dict[str, list[str]] = defaultdict(list)
    question_ids: dict[int, tuple[str, str]] = {}
    option_keys: dict[int, str] = {}
    option_questions: dict[int, int] = {}
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
                option_questions[option.id] = question.id
                if option.key not in known:
                    merged[rk][1].append(OptionDef(option.key, option.text, option.value))
                    known.add(option.key)
    roles = [r for r in ROLES if r in order] + sorted(set(order) - set(ROLES))
    questions = tuple(
        question_def(merged[(role, key)][0], role, merged[(role, key)][1])
        for role in roles
        for key in order[role]
    )
    types = {(q.role, q.key): q.type for q in questions}
    return CampaignStructure(questions, question_ids, option_keys, types, option_questions)


#: The one pass over a campaign's answers, served by ``ix_answer_campaign_counts`` (campaign,
#: question, option, tally): on SQLite an index-only scan in the GROUP BY's order; on
#: PostgreSQL whatever the bare (question, option) GROUP BY gets — an index-only scan, or, for a
#: campaign that is most of the table, a parallel sequential scan with a hash aggregate
#: (benchmarks/analysis.py prints the plans). ``tally`` is the column of
#: app/surveys/respondent/answer_rows.py: None on a later ticked option of the same response and
#: question, else the respondent's segment option id or 0. Bind ``campaign``.
ANSWER_COUNTS = (
    select(Answer.question_id, Answer.option_id, Answer.tally, func.count())
    .where(Answer.campaign_id == bindparam("campaign"))
    .group_by(Answer.question_id, Answer.option_id, Answer.tally)
)


#: The same counts restricted to the campaign's imported responses (``source`` other than
#: FORM_SOURCE): from the responses (``ix_response_campaign_counts``) to their answers
#: (the index on ``answer.response_id``). Bind ``campaign``.
IMPORTED_ANSWER_COUNTS = (
    select(Answer.question_id, Answer.option_id, Answer.tally, func.count())
    .select_from(Response)
    .join(Answer, Answer.response_id == Response.id)
    .where(Response.campaign_id == bindparam("campaign"), Response.source != FORM_SOURCE)
    .group_by(Answer.question_id, Answer.option_id, Answer.tally)
)


def answer_counts(
    campaign_id: int, imported: bool = False
) -> list[tuple[int, int | None, int | None, int]]:
    """Return rows (question_id, option_id, tally, answer rows) of a campaign: its answers
    (only its imported responses' with ``imported``) grouped by question, option and ``tally``.

    A question's rows with a tally (not None) count its respondents, one each; a tally above 0
    is the respondent's segment option id. Text answers have option_id None. One query. Raises
    nothing.
    """
    statement = IMPORTED_ANSWER_COUNTS if imported else ANSWER_COUNTS
    rows = db.session.execute(statement, {"campaign": campaign_id})
    return [(qid, oid, tally, n) for qid, oid, tally, n in rows]


def _tune_connection() -> None:
    """PostgreSQL: no JIT for this transaction (compiling the plan costs more than running this
    query). SQLite: temporary B-trees in RAM, should the planner want one."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA temp_store = MEMORY")


def load_campaign(
    campaign: Campaign, segments: bool = True
) -> tuple[CampaignStructure, CampaignCounts]:
    """Return the merged question structure and the counts of a campaign.

    Queries: responses (and imported responses) per (questionnaire, role); the questionnaires
    with their questions and options; one GROUP BY over the answers (:func:`answer_counts`),
    which also gives the respondents per question and, with ``segments``, the segment
    breakdowns; and, only when the campaign has imported responses, the same GROUP BY over
    theirs (``CampaignCounts.imported``) when a role mixes them with responses from the form. An
    empty campaign gives zero counts. Raises nothing.
    """
    _tune_connection()
    per_questionnaire = responses_by_source(campaign)
    respondents = {role.value: 0 for role in RespondentRole}
    imported: dict[str, int] = defaultdict(int)
    for (_questionnaire_id, role), (n, from_imports) in per_questionnaire.items():
        respondents[role] = respondents.get(role, 0) + n
        imported[role] += from_imports
    structure = campaign_structure(campaign, [qid for qid, _role in per_questionnaire])
    counts = campaign_counts(campaign, structure, respondents, segments)
    if all(imported[role] in (0, n) for role, n in respondents.items()):
        # Each role has one source: its imported part is all or nothing, and the privacy
        # rule decides on the totals alone.
        return structure, counts
    rows = answer_counts(campaign.id, imported=True)
    part = counts_from_rows(rows, structure, dict(imported), segments)
    return structure, replace(counts, imported=part)


def _segment_targets(structure: CampaignStructure) -> tuple[set[tuple[str, str]], set[int]]:
    """Return the (role, key) of the questions broken down by their role's segment question —
    the role's other single-choice questions — and the option ids that name a segment.

    A role's segment question is its first single-choice question marked ``segment`` (the
    analysis's rule); a stored segment option of any other question counts as unstated.
    """
    segment_keys = {role: q.key for role, q in segment_questions(structure.questions).items()}
    targets = {
        (q.role, q.key)
        for q in structure.questions
        if q.role in segment_keys and q.type == "single" and q.key != segment_keys[q.role]
    }
    segment_ids = set(structure.ids_of(segment_keys.items()))
    segment_options = {oid for oid, qid in structure.option_questions.items() if qid in segment_ids}
    return targets, segment_options


def campaign_counts(
    campaign: Campaign,
    structure: CampaignStructure,
    respondents: dict[str, int],
    segments: bool = True,
) -> CampaignCounts:
    """Return the counts of a campaign per question and option, and its segment cells.

    Everything comes from the rows of :func:`answer_counts`: an option's count is the sum over
    segments, a question's answered count the sum of its rows with a tally, and a segmented
    (single-choice) question's cell the rows of that segment option (UNSTATED_SEGMENT:
    respondents without a segment answer; a malformed second row of a single-choice answer
    counts for its option but in no cell). Answers to questions outside the campaign's
    questionnaires are ignored. Raises nothing.
    """
    return counts_from_rows(answer_counts(campaign.id), structure, respondents, segments)


def counts_from_rows(
    rows: Iterable[tuple[int, int | None, int | None, int]],
    structure: CampaignStructure,
    respondents: dict[str, int],
    segments: bool = True,
) -> CampaignCounts:
    """Return the counts of :func:`campaign_counts` from rows of :func:`answer_counts`."""
    targets, segment_options = _segment_targets(structure) if segments else (set(), set())
    options: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    answered: dict[tuple[str, str], int] = defaultdict(int)
    cells: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for qid, oid, tally, n in rows:
        rk = structure.question_ids.get(qid)
        if rk is None:  # an answer to a question of a questionnaire outside the campaign
            continue
        if tally is not None:  # the respondents' first rows for the question
            answered[rk] += n
        if oid is None or oid not in structure.option_keys:
            continue
        key = structure.option_keys[oid]
        options[rk][key] += n
        if rk in targets and tally is not None:
            segment = structure.option_keys[tally] if tally in segment_options else UNSTATED_SEGMENT
            cells[rk][segment][key] += n
    totals = {
        (q.role, q.key): QuestionCounts(
            answered.get((q.role, q.key), 0), dict(options.get((q.role, q.key), {}))
        )
        for q in structure.questions
    }
    breakdowns: dict[tuple[str, str], dict[str, QuestionCounts]] = {}
    for rk, by_segment in cells.items():
        # Stated segments first, in the order met; the unstated cell last.
        keys = sorted(by_segment, key=lambda segment: segment == UNSTATED_SEGMENT)
        breakdowns[rk] = {
            segment: QuestionCounts(sum(by_segment[segment].values()), dict(by_segment[segment]))
            for segment in keys
        }
    return CampaignCounts(respondents=respondents, questions=totals, segments=breakdowns)
