"""Migrations 0003 and 0005: the derived answer columns, their backfill and the counts index.

0003 added ``first_of_question`` and ``segment_option_id`` and backfilled them; 0005 folds the
two into ``tally`` (app/surveys/respondent/answer_rows.py) and can give them back.

Each test migrates a database of its own (SQLite file, or a throw-away PostgreSQL database when
``ANKETA_TEST_POSTGRES`` is set), since it goes down to 0002 and back up.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.extensions import db
from app.models import Answer, Campaign
from app.results.service import analyze_campaign
from tests import factories
from tests.seed_campaign import make_seed_campaign


def _answer_columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("answer")}


def _answer_indexes() -> dict[str, list[str]]:
    indexes = inspect(db.engine).get_indexes("answer")
    return {index["name"]: index["column_names"] for index in indexes}


def test_upgrade_builds_what_the_models_describe(migrated_app):
    columns = _answer_columns()
    assert "tally" in columns
    assert not {"first_of_question", "segment_option_id"} & columns
    assert _answer_indexes()["ix_answer_campaign_counts"] == [
        "campaign_id", "question_id", "option_id", "tally"
    ]  # fmt: skip
    assert "ix_answer_aggregation" not in _answer_indexes()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def _campaigns() -> list[Campaign]:
    """The bundled seed campaign and a small one with multiple choice, a missing grade, a
    questionnaire without a segment question and a malformed extra row."""
    school = factories.make_school("school-m", "Ліцей №3")
    seed = make_seed_campaign(school)
    direction = factories.make_direction()
    small = factories.make_campaign(
        school, direction, factories.small_questionnaires(direction), year="2023-2024"
    )
    factories.make_responses(
        small,
        "students",
        [
            ({"grade": "g5", "clear": "full", "sources": ["teacher", "site"]}, 6),
            ({"grade": "g6", "clear": "partly", "sources": ["class_teacher"]}, 6),
            ({"clear": "none", "sources": ["site", "class_teacher", "teacher"]}, 5),
        ],
    )
    factories.make_responses(small, "teachers", [({"understand": "mostly", "comment": "Так"}, 3)])
    response = factories.make_response(small, "teachers", {"understand": "full"})
    question = small.link_for("teachers").questionnaire.questions[0]
    db.session.add(  # a second option on a single-choice question (a bad import)
        Answer(response_id=response.id, campaign_id=small.id, question_id=question.id,
               option_id=question.options[2].id)
    )  # fmt: skip
    db.session.commit()
    return [seed, small]


def _derived() -> dict[int, int | None]:
    return dict(db.session.execute(select(Answer.id, Answer.tally)).all())


def _written_campaigns() -> tuple[list[int], dict[int, int | None], list[dict]]:
    """Write the campaigns; return their ids, every row's tally and their analyses."""
    ids = [campaign.id for campaign in _campaigns()]
    written = _derived()
    assert None in written.values()  # later ticked options
    assert 0 in written.values()  # respondents without a segment
    assert any(tally for tally in written.values())  # respondents with a grade
    before = [analyze_campaign(db.session.get(Campaign, i)).to_json() for i in ids]
    db.session.remove()
    return ids, written, before


def test_backfill_gives_what_the_write_paths_gave_and_the_same_analysis(migrated_app):
    ids, written, before = _written_campaigns()

    downgrade(revision="0002")  # the derived columns go: the rows are as 0002 stored them
    assert not {"first_of_question", "segment_option_id", "tally"} & _answer_columns()
    assert "ix_answer_aggregation" in _answer_indexes()
    upgrade()  # 0003 backfills the two columns, 0005 folds them into tally

    assert _derived() == written
    after = [analyze_campaign(db.session.get(Campaign, i)).to_json() for i in ids]
    assert after == before
    seed = after[0]
    assert seed["respondents"] == {"teachers": 31, "students": 71, "parents": 80}


def test_downgrade_to_0004_gives_back_both_columns(migrated_app):
    _ids, written, _before = _written_campaigns()
    response_of = dict(db.session.execute(select(Answer.id, Answer.response_id)).all())
    segment_of: dict[int, int | None] = {}
    for answer_id, tally in written.items():
        if tally:
            segment_of[response_of[answer_id]] = tally
    db.session.remove()

    downgrade(revision="0004")
    assert {"first_of_question", "segment_option_id"} <= _answer_columns()
    assert "tally" not in _answer_columns()
    assert _answer_indexes()["ix_answer_campaign_counts"] == [
        "campaign_id", "question_id", "option_id", "segment_option_id", "first_of_question"
    ]  # fmt: skip
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, first_of_question, segment_option_id FROM answer")
        ).all()
    assert {answer_id: (bool(first), segment) for answer_id, first, segment in rows} == {
        answer_id: (tally is not None, segment_of.get(response_of[answer_id]))
        for answer_id, tally in written.items()
    }
    upgrade()
    assert _derived() == written
