"""The stored rows of one response's answers, with the column the analysis counts by.

Every path that writes answers (the respondent form, the CSV import, the demo, the test
factories, the benchmarks) builds its rows here, so the one denormalised column of ``answer``,
``tally``, is always set the same way. It says which respondent count a row adds to:

- ``None`` (:data:`NOT_A_RESPONDENT`): a later row of the same response and question — the
  second, third… ticked option of a multiple-choice answer. It counts for its option only;
- ``0`` (:data:`NO_SEGMENT`): the response's first row for the question (the first ticked
  option, the chosen option, the text), from a respondent with no segment: the questionnaire has
  no segment question or the respondent skipped it;
- the option id of the response's answer to its questionnaire's segment question (the first
  single-choice question marked ``segment``, e.g. the student's grade): the first row of a
  respondent in that segment.

So a question's respondents are the rows whose ``tally`` is not None (a sum, not a
count(DISTINCT response_id)), and a segment's are the rows with its option id. One column, not
a first-row flag plus a segment id, because the analysis groups by it: a campaign's counts are
one ``GROUP BY question_id, option_id, tally`` (app/results/aggregate.py), and each grouped
column costs SQLite a fixed share of the scan (docs/methodology.md, "Performance"). Option ids
start at 1, so 0 names no option. Migration 0005 derives the column for older rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.models import Questionnaire, QuestionType

if TYPE_CHECKING:
    from app.surveys.definitions.structure import QuestionnaireStructure

#: The keys of each row :func:`answer_rows` returns (``response_id`` and ``campaign_id`` are the
#: caller's).
ROW_KEYS = ("question_id", "option_id", "text", "tally")

#: ``tally`` of a response's first row for a question when the respondent has no segment.
NO_SEGMENT = 0
#: ``tally`` of a later row of the same response and question (a further ticked option).
NOT_A_RESPONDENT = None


def segment_question_id(questionnaire: Questionnaire | QuestionnaireStructure) -> int | None:
    """Return the id of the questionnaire's segment question — its first single-choice question
    (in questionnaire order) marked ``segment`` — or None if it has none. Raises nothing."""
    return next(
        (
            question.id
            for question in questionnaire.questions
            if question.segment and question.type == QuestionType.SINGLE
        ),
        None,
    )


def answer_rows(
    answers: Iterable[tuple[int, int | None, str | None]],
    segment_question: int | None,
) -> list[dict[str, Any]]:
    """Return the rows to store for one response's ``answers``.

    ``answers`` are (question id, option id or None, text or None) triples, one per chosen
    option or text, grouped by question in the order they should be stored; ``segment_question``
    is :func:`segment_question_id` of the response's questionnaire. Each row is a dict with the
    keys of ``ROW_KEYS``: the triple plus ``tally`` (on the first row of each question the first
    option given for ``segment_question``, or :data:`NO_SEGMENT`; on later rows
    :data:`NOT_A_RESPONDENT`). Raises nothing; the answers are assumed checked.
    """
    given = list(answers)
    segment_option = next(
        (
            option_id
            for question_id, option_id, _text in given
            if question_id == segment_question and option_id is not None
        ),
        NO_SEGMENT,
    )
    seen: set[int] = set()
    rows = []
    for question_id, option_id, text in given:
        rows.append(
            {
                "question_id": question_id,
                "option_id": option_id,
                "text": text,
                "tally": NOT_A_RESPONDENT if question_id in seen else segment_option,
            }
        )
        seen.add(question_id)
    return rows
