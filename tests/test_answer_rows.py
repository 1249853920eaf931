"""The derived answer column ``tally`` (first row of a question, segment option), on every write
path."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.imports.engine import import_csv
from app.models import Answer, Campaign, Option, Question, Questionnaire, Response
from app.results.aggregate import load_campaign
from app.results.service import analyze_campaign
from app.surveys.respondent.answer_rows import (
    NO_SEGMENT,
    NOT_A_RESPONDENT,
    ROW_KEYS,
    answer_rows,
    segment_question_id,
)
from app.surveys.respondent.service import new_submission_id, store_response
from tests import factories
from tests.seed_campaign import make_seed_campaign

# --- the shared function ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "segment", "expected"),
    [
        # Multiple choice: only the first ticked option is the question's first row.
        (
            [(1, 10, None), (2, 20, None), (2, 21, None), (2, 22, None)],
            1,
            [10, 10, None, None],
        ),
        # The segment answer comes after other questions: copied onto the earlier rows too.
        ([(2, 20, None), (3, None, "Текст"), (1, 11, None)], 1, [11] * 3),
        # The segment question was skipped: first rows of no segment.
        ([(2, 20, None), (3, None, "Текст")], 1, [NO_SEGMENT, NO_SEGMENT]),
        # The questionnaire has no segment question.
        ([(2, 20, None), (2, 21, None)], None, [NO_SEGMENT, NOT_A_RESPONDENT]),
        # Nothing answered.
        ([], 1, []),
    ],
)
def test_answer_rows_marks_first_rows_with_the_segment_option(given, segment, expected):
    rows = answer_rows(given, segment)
    assert [r["tally"] for r in rows] == expected
    assert [(r["question_id"], r["option_id"], r["text"]) for r in rows] == given
    assert all(tuple(r) == ROW_KEYS for r in rows)


def test_segment_question_is_the_first_single_choice_one_marked_segment(app):
    direction = factories.make_direction()
    questionnaire = factories.make_questionnaire(
        direction,
        "students",
        [
            {"key": "clubs", "text": "Гуртки", "type": "multiple", "segment": True,
             "options": [("art", "Мистецтво", None), ("sport", "Спорт", None)]},
            {"key": "clear", "text": "Зрозуміло?", "options": factories.DEGREE},
            {"key": "grade", "text": "Клас", "segment": True,
             "options": [("g5", "5 клас", None), ("g6", "6 клас", None)]},
            {"key": "gender", "text": "Стать", "segment": True,
             "options": [("f", "Дівчина", None), ("m", "Хлопець", None)]},
        ],
        version=2,
    )  # fmt: skip
    grade = next(q for q in questionnaire.questions if q.key == "grade")
    assert segment_question_id(questionnaire) == grade.id
    small = factories.small_questionnaires(direction)
    assert segment_question_id(small["teachers"]) is None


# --- every write path -------------------------------------------------------------------------


def stored_rows(campaign_id: int) -> list[tuple[int, str, str, bool, str | None]]:
    """Return (response id, question key, option key, first row of its question, segment
    option key) of a campaign's answers, in id order, read from ``tally``."""
    segment_option = aliased(Option)
    rows = db.session.execute(
        select(Answer.response_id, Question.key, Option.key, Answer.tally, segment_option.key)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(Option, Option.id == Answer.option_id)
        .outerjoin(segment_option, segment_option.id == Answer.tally)
        .where(Answer.campaign_id == campaign_id)
        .order_by(Answer.id)
    )
    return [
        (response_id, question, option, tally is not None, segment)
        for response_id, question, option, tally, segment in rows
    ]


def check_derived_columns(campaign_id: int) -> int:
    """Assert ``tally`` follows the rules on every answer of the campaign, recomputed
    independently from the stored rows; return the number of rows checked."""
    answers = db.session.scalars(
        select(Answer).where(Answer.campaign_id == campaign_id).order_by(Answer.id)
    ).all()
    segment_of = {
        q.id: segment_question_id(q)
        for q in db.session.scalars(
            select(Questionnaire).join(Response).where(Response.campaign_id == campaign_id)
        ).unique()
    }
    questionnaire_of = dict(
        db.session.execute(
            select(Response.id, Response.questionnaire_id).where(
                Response.campaign_id == campaign_id
            )
        ).all()
    )
    by_response: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_response[answer.response_id].append(answer)
    for response_id, rows in by_response.items():
        segment = segment_of[questionnaire_of[response_id]]
        expected_segment = next(
            (r.option_id for r in rows if r.question_id == segment and r.option_id), 0
        )
        seen: set[int] = set()
        for row in rows:
            expected = None if row.question_id in seen else expected_segment
            assert row.tally == expected, row.id
            seen.add(row.question_id)
    return len(answers)


def _small_campaign(school) -> Campaign:
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


def test_store_response_sets_the_tally(school):
    campaign = _small_campaign(school)
    students = campaign.link_for("students")
    answers = {"grade": "g6", "clear": "full", "sources": ["site", "teacher"], "access": "yes"}
    response = store_response(students, answers, new_submission_id(students))
    teachers = campaign.link_for("teachers")
    store_response(
        teachers, {"understand": "mostly", "comment": "Добре"}, new_submission_id(teachers)
    )
    rows = stored_rows(campaign.id)
    assert [row[1:] for row in rows if row[0] == response.id] == [
        ("grade", "g6", True, "g6"),
        ("clear", "full", True, "g6"),
        ("sources", "teacher", True, "g6"),  # the questionnaire's option order
        ("sources", "site", False, None),
        ("access", "yes", True, "g6"),
    ]
    assert [row[1:] for row in rows if row[0] != response.id] == [
        ("understand", "mostly", True, None),
        ("comment", None, True, None),  # a text row
    ]


GENERIC_HEADER = "grade,clear,sources,access\r\n"


def test_csv_import_sets_the_tally(school):
    campaign = _small_campaign(school)
    data = (
        GENERIC_HEADER
        + "g5,full,teacher;site;class_teacher,yes\r\n"
        + "g7,partly,,no\r\n"
        + "g5,mostly,site,\r\n"
    ).encode()
    result = import_csv(data, campaign.link_for("students"), batch_size=2)  # two batches
    assert result.imported == 3
    rows = stored_rows(campaign.id)
    assert [row[1:] for row in rows] == [
        ("grade", "g5", True, "g5"),
        ("clear", "full", True, "g5"),
        ("sources", "teacher", True, "g5"),  # the cell's order
        ("sources", "site", False, None),
        ("sources", "class_teacher", False, None),
        ("access", "yes", True, "g5"),
        ("grade", "g7", True, "g7"),
        ("clear", "partly", True, "g7"),
        ("access", "no", True, "g7"),
        ("grade", "g5", True, "g5"),
        ("clear", "mostly", True, "g5"),
        ("sources", "site", True, "g5"),
    ]
    # The counts the analysis starts from (3 students are too few for it to publish them).
    _structure, counts = load_campaign(campaign)
    sources = counts.questions[("students", "sources")]
    assert sources.answered == 2
    assert dict(sources.options) == {"teacher": 1, "site": 2, "class_teacher": 1}
    assert check_derived_columns(campaign.id) == 12


def _with_factory(school) -> Campaign:
    campaign = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full", "sources": ["teacher", "site"]}, 2),
            ({"clear": "none", "sources": ["site"]}, 1),  # no grade
        ],
    )
    factories.make_response(campaign, "teachers", {"understand": "full", "comment": "Так"})
    return campaign


def _with_seed(school) -> Campaign:
    return make_seed_campaign(school)


def _with_demo(school) -> Campaign:
    from app.staff.demo import create_demo
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    create_demo()
    return db.session.scalars(
        select(Campaign).join(Response).order_by(Campaign.academic_year.desc()).limit(1)
    ).one()


@pytest.mark.parametrize("write", [_with_factory, _with_seed, _with_demo])
def test_every_writer_sets_one_first_row_per_question_and_the_segment(school, write):
    campaign = write(school)
    assert check_derived_columns(campaign.id) > 0
    graded = db.session.scalar(
        select(func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.campaign_id == campaign.id, Response.role == "students", Answer.tally > 0)
    )
    assert graded > 0  # students' first rows carry their grade


def test_a_factory_response_without_a_grade_lands_in_the_unstated_cell(school):
    campaign = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full"}, 6),
            ({"grade": "g6", "clear": "mostly"}, 6),
            ({"clear": "none"}, 5),
        ],
    )
    cells = {
        cell.segment_key: cell
        for cell in analyze_campaign(campaign).question("students", "clear").segment_breakdown.cells
    }
    assert {key: cells[key].answered for key in cells} == {"g5": 6, "g6": 6, "": 5}
    assert cells[""].segment_text == "Не вказано"
    assert [o.count for o in cells[""].options] == [0, 0, 0, 5]
