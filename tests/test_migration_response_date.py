"""Migration 0007: response.submitted_at (a UTC timestamp) becomes submitted_on (the Kyiv date),
and every response draws a random shuffle_key; the downgrade gives a timestamp back.

Each test migrates a database of its own (SQLite file, or a throw-away PostgreSQL database when
``ANKETA_TEST_POSTGRES`` is set).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests import factories

KYIV = ZoneInfo("Europe/Kyiv")
#: Timestamps around Kyiv's midnight in winter (UTC+2) and summer (UTC+3), to the microsecond.
STAMPS = {
    datetime(2025, 1, 14, 21, 59, 59, 999999, tzinfo=UTC): date(2025, 1, 14),
    datetime(2025, 1, 14, 22, 0, 0, 1, tzinfo=UTC): date(2025, 1, 15),
    datetime(2025, 5, 20, 20, 59, 0, tzinfo=UTC): date(2025, 5, 20),
    datetime(2025, 5, 20, 21, 0, 0, 250000, tzinfo=UTC): date(2025, 5, 21),
    datetime(2025, 5, 21, 8, 15, 3, 123456, tzinfo=UTC): date(2025, 5, 21),
}


def _columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("response")}


def _responses_at_0005() -> tuple[int, int]:
    """Make a campaign, go down to 0005 and store one response (with one answer) per stamp as
    0005 did; return the campaign id and the answers' count."""
    school = factories.make_school("school-m", "Ліцей №3")
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    link = campaign.link_for("teachers")
    question = link.questionnaire.questions[0]
    ids = (campaign.id, link.questionnaire_id, question.id, question.options[0].id)
    db.session.remove()
    downgrade(revision="0005")
    assert "submitted_at" in _columns() and "submitted_on" not in _columns()
    with db.engine.begin() as connection:
        for number, stamp in enumerate(STAMPS):
            response_id = connection.execute(
                text(
                    "INSERT INTO response (campaign_id, questionnaire_id, role, submission_id,"
                    " source, submitted_at) VALUES (:campaign, :questionnaire, 'teachers', :sid,"
                    " 'web', :stamp) RETURNING id"
                ),
                {"campaign": ids[0], "questionnaire": ids[1], "sid": f"old-{number}",
                 "stamp": stamp},
            ).scalar_one()  # fmt: skip
            connection.execute(
                text(
                    "INSERT INTO answer (response_id, campaign_id, question_id, option_id, tally)"
                    " VALUES (:response, :campaign, :question, :option, 0)"
                ),
                {"response": response_id, "campaign": ids[0], "question": ids[2],
                 "option": ids[3]},
            )  # fmt: skip
    return ids[0], len(STAMPS)


def _rows(columns: str) -> dict[str, tuple]:
    with db.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT submission_id, {columns} FROM response")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _answers() -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM answer")).scalar_one()


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def test_upgrade_builds_what_the_models_describe(migrated_app):
    assert {"submitted_on", "shuffle_key"} <= _columns()
    assert "submitted_at" not in _columns()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_upgrade_dates_every_response_in_kyiv_and_shuffles_them(migrated_app):
    _campaign, answers = _responses_at_0005()

    upgrade()

    assert "submitted_at" not in _columns()
    rows = _rows("submitted_on, shuffle_key")
    expected = {f"old-{number}": day for number, day in enumerate(STAMPS.values())}
    assert {sid: _as_date(day) for sid, (day, _key) in rows.items()} == expected
    keys = [key for _day, key in rows.values()]
    assert None not in keys and len(set(keys)) == len(keys)
    assert _answers() == answers  # the table was altered, not rebuilt: no cascade to answers


def test_downgrade_gives_a_timestamp_on_the_same_kyiv_day(migrated_app):
    _responses_at_0005()
    upgrade()
    dated = {sid: _as_date(day) for sid, (day,) in _rows("submitted_on").items()}

    downgrade(revision="0005")

    assert {"submitted_on", "shuffle_key"}.isdisjoint(_columns())
    for sid, (stamp,) in _rows("submitted_at").items():
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        assert moment.astimezone(KYIV).date() == dated[sid]
    assert _answers() == len(STAMPS)
    upgrade()
    assert {sid: _as_date(day) for sid, (day,) in _rows("submitted_on").items()} == dated
