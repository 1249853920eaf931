"""A campaign on the bundled questionnaires whose responses reproduce the seed довідка.

``make_seed_campaign(school)`` loads the bundled library (if it is not loaded yet), creates a
campaign and stores 31 teachers', 71 students' and 80 parents' responses. The distributions
the seed prints are reproduced exactly where whole numbers allow (``SEED_DISTRIBUTIONS``);
every other question gets a plausible, deterministic distribution.

Construct «розуміння критеріїв оцінювання» (``criteria_understanding``):
teachers t7 = 25 / 6 of 31 → 80,6 / 19,4; students s2 = 18 / 24 / 13 / 16 of 71 →
25,4 / 33,8 / 18,3 / 22,5; parents p5 = 23 / 29 / 11 / 17 of 80 → 28,8 / 36,3 / 13,8 / 21,3
(the seed prints 28,5 / 36,2 / 13,8 / 21,3, which no whole numbers of 80 give).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert

from app.extensions import db
from app.models import Answer, Campaign, Direction, Question, Questionnaire, Response, School
from app.surveys.respondent.answer_rows import answer_rows, segment_question_id
from tests.factories import make_campaign

DIRECTION = "assessment-system"
RESPONDENTS = {"teachers": 31, "students": 71, "parents": 80}

#: (role, question key) → counts per option key, in the seed's order. A question whose counts
#: sum to fewer than the role's respondents was skipped by the rest (as in the seed: 67 of 71).
SEED_DISTRIBUTIONS: dict[tuple[str, str], Sequence[tuple[str, int]]] = {
    ("teachers", "t7"): [("full", 25), ("mostly", 6)],
    ("teachers", "t8"): [("full", 10), ("mostly", 13), ("partly", 8)],  # 74,2 / 25,8
    ("students", "s1"): [("g5", 20), ("g6", 24), ("g7", 23), ("g8", 4)],
    ("students", "s2"): [("full", 18), ("mostly", 24), ("partly", 13), ("none", 16)],
    ("students", "s4"): [("yes", 19), ("no", 12), ("dont_know", 36)],  # 28,4 / 17,9 / 53,7 of 67
    ("students", "s5"): [("full", 18), ("mostly", 15), ("partly", 14), ("none", 24)],
    ("students", "s12"): [("full", 11), ("mostly", 26), ("partly", 20), ("none", 14)],
    ("students", "s14"): [("yes", 25), ("mostly_yes", 35), ("mostly_no", 7), ("no", 4)],
    ("students", "s15"): [("yes", 37), ("mostly_yes", 29), ("mostly_no", 3), ("no", 2)],
    ("parents", "p1"): [("always", 29), ("mostly", 24), ("sometimes", 4), ("never", 23)],
    ("parents", "p2"): [("always", 12), ("mostly", 49), ("sometimes", 3), ("never", 16)],
    ("parents", "p3"): [("yes", 29), ("mostly_yes", 43), ("mostly_no", 6), ("no", 2)],
    ("parents", "p5"): [("full", 23), ("mostly", 29), ("partly", 11), ("none", 17)],
    ("parents", "p6"): [("full", 7), ("mostly", 34), ("partly", 18), ("none", 21)],
}

#: The share of respondents who write something in an open question.
TEXT_ANSWERS = {"teachers": 9, "parents": 12}


def _ensure_library() -> Direction:
    direction = Direction.library(DIRECTION)
    if direction is None:
        from app.surveys.definitions.library import load_questionnaires

        load_questionnaires()
        direction = Direction.library(DIRECTION)
    assert direction is not None, "the bundled library has no assessment-system direction"
    return direction


def _plausible(options: Sequence[Any], n: int, salt: int) -> list[tuple[str, int]]:
    """A deterministic, mostly positive distribution of ``n`` answers over the options."""
    weights = [5, 4, 2, 1, 1, 1, 1, 1, 1][: len(options)] or [1]
    weights = weights[salt % 2 :] + weights[: salt % 2] if len(options) > 4 else weights
    total = sum(weights)
    counts = [n * w // total for w in weights]
    counts[0] += n - sum(counts)
    return [(option.key, count) for option, count in zip(options, counts, strict=False)]


def _answers_for(question: Question, role: str, n: int, salt: int) -> list[list[Any]]:
    """Return, for each respondent 0…n−1, the answers (option ids or one text) to a question."""
    if question.type == "text":
        writers = TEXT_ANSWERS.get(role, 0)
        return [[f"Пропозиція №{i + 1}"] if i < writers else [] for i in range(n)]
    options = {option.key: option for option in question.options}
    if question.type == "multiple":
        ids = [option.id for option in question.options]
        result = []
        for i in range(n):
            ticked = [
                oid for j, oid in enumerate(ids) if (i * (j % 6 + 1) + salt + j) % 7 < 3 - (j > 2)
            ]
            result.append(ticked or [ids[(i + salt) % len(ids)]])
        return result
    distribution = SEED_DISTRIBUTIONS.get((role, question.key))
    if distribution is None or n != RESPONDENTS[role]:  # other sizes: plausible answers
        distribution = _plausible(question.options, n, salt)
    sequence = [options[key].id for key, count in distribution for _ in range(count)]
    # Rotate so that different questions do not line up respondent by respondent.
    shift = (salt * 7) % n if question.key != "s1" else 0
    padded = sequence + [None] * (n - len(sequence))
    rotated = padded[shift:] + padded[:shift]
    return [[oid] if oid is not None else [] for oid in rotated]


def add_responses(
    campaign: Campaign,
    role: str,
    questionnaire: Questionnaire,
    n: int,
    prefix: str,
) -> None:
    """Store ``n`` responses of a role with the seed's (or plausible) answers, in bulk."""
    per_question = [
        (question, _answers_for(question, role, n, salt))
        for salt, question in enumerate(questionnaire.questions)
    ]
    responses = [
        Response(
            campaign_id=campaign.id,
            questionnaire_id=questionnaire.id,
            role=role,
            submission_id=f"{prefix}-{role}-{i}",
            source="seed",
        )
        for i in range(n)
    ]
    db.session.add_all(responses)
    db.session.flush()
    given: list[list[tuple[int, int | None, str | None]]] = [[] for _ in responses]
    for question, answers in per_question:
        for respondent, values in zip(given, answers, strict=True):
            for value in values:
                if question.type == "text":
                    respondent.append((question.id, None, value))
                else:
                    respondent.append((question.id, value, None))
    segment = segment_question_id(questionnaire)
    rows: list[dict[str, Any]] = [
        {"response_id": response.id, "campaign_id": campaign.id, **row}
        for response, respondent in zip(responses, given, strict=True)
        for row in answer_rows(respondent, segment)
    ]
    if rows:
        db.session.execute(insert(Answer), rows)


def make_seed_campaign(
    school: School,
    year: str = "2024-2025",
    respondents: Mapping[str, int] | None = None,
) -> Campaign:
    """Return a new campaign of ``school`` on the bundled library with the seed's responses."""
    direction = _ensure_library()
    questionnaires = {role: Questionnaire.latest(direction.id, role) for role in RESPONDENTS}
    assert all(questionnaires.values()), "a bundled role questionnaire is missing"
    campaign = make_campaign(school, direction, questionnaires, year=year)
    for role, n in (respondents or RESPONDENTS).items():
        add_responses(campaign, role, questionnaires[role], n, f"seed-{campaign.id}")
    db.session.commit()
    return campaign
