"""The stored rows of one response's answers, with the columns the analysis counts by.

Every path that writes answers (the respondent form, the CSV import, the demo, the test
factories, the benchmarks) builds its rows here, so two denormalised columns of ``answer`` are
always set the same way:

- ``first_of_question``: true on exactly one row per (response, question) — the first row given
  for the question (the first ticked option, the text) — so a question's respondents are
  ``sum(first_of_question)`` even for multiple choice, where a respondent has a row per option;
- ``segment_option_id``: the response's option of its questionnaire's segment question (the
  first single-choice question marked ``segment``, e.g. the students' grade), on every row of
  the response; None if the questionnaire has no segment question or the respondent skipped it.

With them a campaign's analysis is one ``GROUP BY question_id, option_id, segment_option_id``
(app/results/aggregate.py). Migration 0003 backfills older rows by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.models import Questionnaire, QuestionType

#: The keys of each row :func:`answer_rows` returns (``response_id`` and ``campaign_id`` are the
#: caller's).
ROW_KEYS = ("question_id", "option_id", "text", "first_of_question", "segment_option_id")


def segment_question_id(questionnaire: Questionnaire) -> int | None:
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
    keys of ``ROW_KEYS``: the triple plus ``first_of_question`` (true on the first row of each
    question) and ``segment_option_id`` (the first option given for ``segment_question``, or
    None). Raises nothing; the answers are assumed checked.
    """
    given = list(answers)
    segment_option = next(
        (
            option_id
            for question_id, option_id, _text in given
            if question_id == segment_question and option_id is not None
        ),
        None,
    )
    seen: set[int] = set()
    rows = []
    for question_id, option_id, text in given:
        rows.append(
            {
                "question_id": question_id,
                "option_id": option_id,
                "text": text,
                "first_of_question": question_id not in seen,
                "segment_option_id": segment_option,
            }
        )
        seen.add(question_id)
    return rows
