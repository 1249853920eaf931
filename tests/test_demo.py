"""``anketa demo``: a marked demo school, two campaigns of seeded responses, idempotent."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.errors import AnketaError
from app.extensions import db
from app.models import Answer, Campaign, Option, Question, Response, School, User
from app.staff.demo import DEMO_NAME, DEMO_YEARS, create_demo
from tests import factories


@pytest.fixture
def bundled_library(app):
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()


def response_counts() -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(Campaign.academic_year, Response.role, func.count(Response.id))
        .join(Campaign, Campaign.id == Response.campaign_id)
        .group_by(Campaign.academic_year, Response.role)
    )
    return {(year, role): n for year, role, n in rows}


def answer_profile() -> Counter:
    """How often each (year, role, question key, option key) was chosen."""
    rows = db.session.execute(
        select(Campaign.academic_year, Response.role, Question.key, Option.key, func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .join(Campaign, Campaign.id == Answer.campaign_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Option, Option.id == Answer.option_id)
        .group_by(Campaign.academic_year, Response.role, Question.key, Option.key)
    )
    return Counter({tuple(row[:4]): row[4] for row in rows})


def positive_share(role: str, year: str) -> float:
    """Share of ordinal answers in the top half (value ≥ 3 on the four-level scales)."""
    base = (
        select(func.count(Answer.id))
        .join(Response, Response.id == Answer.response_id)
        .join(Campaign, Campaign.id == Answer.campaign_id)
        .join(Option, Option.id == Answer.option_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Response.role == role,
            Campaign.academic_year == year,
            Question.scale.in_(["degree", "frequency"]),
        )
    )
    total = db.session.scalar(base)
    positive = db.session.scalar(base.where(Option.value >= 3))
    assert total, f"no ordinal answers for {role} {year}"
    return positive / total


def test_demo_creates_a_marked_school_two_campaigns_and_responses(bundled_library):
    summary = create_demo()
    school = School.by_slug("demo")
    assert school is not None and school.is_demo and school.name == DEMO_NAME
    assert summary.school.id == school.id
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.academic_year)).all()
    assert [c.academic_year for c in campaigns] == ["2023-2024", "2024-2025"]
    assert [c.id for c in summary.campaigns] == [c.id for c in campaigns]
    assert all(c.school_id == school.id for c in campaigns)
    assert all(c.direction.code == "assessment-system" for c in campaigns)
    assert all(
        sorted(link.role for link in c.links) == ["parents", "students", "teachers"]
        for c in campaigns
    )
    expected = {
        (year.academic_year, role): n for year in DEMO_YEARS for role, n in year.respondents.items()
    }
    assert response_counts() == expected
    assert expected[("2024-2025", "teachers")] == 31
    assert expected[("2024-2025", "students")] == 180
    assert expected[("2024-2025", "parents")] == 120
    assert summary.responses_created == sum(expected.values())
    # Every response answers every required question of its questionnaire.
    for campaign in campaigns:
        for link in campaign.links:
            required = {q.id for q in link.questionnaire.questions if q.required}
            rows = db.session.execute(
                select(Response.id, func.count(func.distinct(Answer.question_id)))
                .join(Answer, Answer.response_id == Response.id)
                .where(
                    Response.campaign_id == campaign.id,
                    Response.role == link.role,
                    Answer.question_id.in_(required),
                )
                .group_by(Response.id)
            ).all()
            assert len(rows) == link.campaign.response_counts()[link.role]
            assert {n for _id, n in rows} == {len(required)}
    # Expected counts are set, so the campaign page shows response rates.
    assert campaigns[1].link_for("students").expected_count == 240


def test_demo_answers_are_plausibly_positive_with_gaps_and_growth(bundled_library):
    create_demo()
    teachers = positive_share("teachers", "2024-2025")
    students = positive_share("students", "2024-2025")
    parents = positive_share("parents", "2024-2025")
    assert teachers > 0.8
    assert 0.5 < students < teachers - 0.15
    assert 0.5 < parents < teachers - 0.15
    assert positive_share("students", "2023-2024") < students


def test_demo_users_can_log_in(bundled_library, client):
    summary = create_demo()
    assert {(email, role) for email, role, _password in summary.users} == {
        ("director@demo.anketa.local", "director"),
        ("member@demo.anketa.local", "member"),
    }
    for email, _role, password in summary.users:
        user = User.by_email(email)
        assert user is not None and user.school_id == summary.school.id
        assert user.check_password(password)
    member_password = dict((e, p) for e, _r, p in summary.users)["member@demo.anketa.local"]
    factories.login(client, "member@demo.anketa.local", member_password)
    page = client.get(f"/campaigns/{summary.campaigns[-1].id}").get_data(as_text=True)
    assert "демонстраційний заклад" in page
    assert "180" in page


def test_demo_is_idempotent(bundled_library):
    first = create_demo()
    counts = response_counts()
    answers = db.session.scalar(select(func.count(Answer.id)))
    second = create_demo()
    assert second.responses_created == 0
    assert [c.id for c in second.campaigns] == [c.id for c in first.campaigns]
    assert response_counts() == counts
    assert db.session.scalar(select(func.count(Answer.id))) == answers
    assert db.session.scalar(select(func.count(School.id))) == 1
    assert db.session.scalar(select(func.count(Campaign.id))) == 2
    assert db.session.scalar(select(func.count(User.id))) == 2
    # Passwords are renewed on each run (to be printed again); the old ones stop working.
    for (email, _role, old), (_email, _role2, new) in zip(first.users, second.users, strict=True):
        user = User.by_email(email)
        assert user.check_password(new) and not user.check_password(old)


def test_demo_is_seeded(bundled_library):
    create_demo(seed=7)
    profile = answer_profile()
    assert sum(profile.values()) > 5000
    for table in (Answer, Response):
        db.session.execute(table.__table__.delete())
    db.session.commit()
    # A campaign without responses is filled again, with the same answers for the same seed.
    assert create_demo(seed=7).responses_created == 636
    assert answer_profile() == profile


def test_demo_refuses_without_library(app):
    with pytest.raises(AnketaError, match="anketa init"):
        create_demo()
    assert School.by_slug("demo") is None


def test_demo_refuses_a_real_school_with_the_demo_slug(bundled_library):
    factories.make_school("demo", "Справжня школа")
    with pytest.raises(AnketaError, match="не є демонстраційним"):
        create_demo()
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_demo_command_prints_logins(bundled_library, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_NAME in result.output
    assert "2024-2025: teachers 31, students 180, parents 120" in result.output
    match = re.search(r"member@demo\.anketa\.local \(member\), пароль: (\S+)", result.output)
    assert match and User.by_email("member@demo.anketa.local").check_password(match.group(1))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "нових відповідей не додано" in again.output
