"""Results from the database: GROUP BY counts, the seed campaign, dynamics and the override."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.errors import AnketaError
from app.extensions import db
from app.models import Answer, Response
from app.results.service import (
    analyze_campaign,
    previous_campaign,
    set_level_override,
)
from tests import factories
from tests.seed_campaign import make_seed_campaign


def percents(question):
    return [option.percent for option in question.options]


@pytest.fixture
def seed(school):
    return make_seed_campaign(school)


@pytest.fixture
def seed_analysis(seed):
    return analyze_campaign(seed)


def test_seed_campaign_reproduces_the_criteria_understanding_figures(seed_analysis):
    assert seed_analysis.respondents == {"teachers": 31, "students": 71, "parents": 80}
    teachers = seed_analysis.question("teachers", "t7")
    assert (teachers.answered, percents(teachers)) == (31, [80.6, 19.4, 0.0, 0.0])
    students = seed_analysis.question("students", "s2")
    assert (students.answered, percents(students)) == (71, [25.4, 33.8, 18.3, 22.5])
    parents = seed_analysis.question("parents", "p5")
    assert (parents.answered, percents(parents)) == (80, [28.8, 36.3, 13.8, 21.3])
    assert [o.key for o in students.options] == ["full", "mostly", "partly", "none"]


def test_seed_teachers_students_gap_is_key(seed_analysis):
    gaps = {(g.role_a, g.role_b): g for g in seed_analysis.gaps_for_construct(
        "criteria_understanding")}  # fmt: skip
    gap = gaps[("teachers", "students")]
    assert (gap.question_a, gap.question_b) == ("t7", "s2")
    assert (gap.share_a, gap.share_b, gap.difference_pp) == (100.0, 59.2, 40.8)
    assert gap.test == "permutation"
    assert gap.p_value < 0.001
    assert gap.key
    assert gaps[("teachers", "parents")].difference_pp == 35.0
    assert gaps[("teachers", "parents")].key
    assert not gaps[("students", "parents")].key


def test_seed_other_figures_the_seed_prints(seed_analysis):
    access = seed_analysis.question("students", "s4")
    assert (access.answered, percents(access)) == (67, [28.4, 17.9, 53.7])
    assert access.unknown_share == 53.7
    assert access.positive_share == 61.3
    assert percents(seed_analysis.question("students", "s5")) == [25.4, 21.1, 19.7, 33.8]
    assert percents(seed_analysis.question("students", "s12")) == [15.5, 36.6, 28.2, 19.7]
    assert percents(seed_analysis.question("parents", "p2")) == [15.0, 61.3, 3.8, 20.0]
    assert seed_analysis.question("teachers", "t8").positive_share == 74.2


def test_seed_multiple_choice_and_text(seed_analysis):
    sources = seed_analysis.question("students", "s9")
    assert sources.type == "multiple"
    assert sources.answered == 71
    assert sum(o.percent for o in sources.options) > 100
    comments = seed_analysis.question("teachers", "t9")
    assert comments.text_answers_count == 9 and comments.options == ()


def test_seed_grade_breakdown_hides_the_small_grade(seed_analysis):
    cells = {
        c.segment_key: c for c in seed_analysis.question("students", "s2").segment_breakdown.cells
    }
    assert cells["g8"].suppressed and cells["g8"].reason == "small_group"
    assert cells["g5"].suppressed and cells["g5"].reason == "complementary"
    shown = [c for c in cells.values() if not c.suppressed]
    assert sorted(c.respondents for c in shown) == [23, 24]
    # The shown cells are the real counts of those grades.
    assert all(sum(o.count for o in c.options) == c.respondents for c in shown)


def test_level_of_the_seed(seed_analysis):
    scores = {r.code: r for r in seed_analysis.requirement_scores}
    assert set(scores) == {"2.1", "2.2", "2.3"}
    assert scores["2.1"].role_scores["teachers"] == 87.1  # mean of t7 100 and t8 74.19…
    assert seed_analysis.computed_level is not None
    assert seed_analysis.final_level == seed_analysis.computed_level


def _statements(campaign) -> list[str]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        analyze_campaign(db.session.get(type(campaign), campaign.id), with_dynamics=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def test_analysis_runs_a_fixed_number_of_queries(app, seed):
    statements = _statements(seed)
    grouped = [s for s in statements if "GROUP BY" in s and "answer" in s]
    assert len(grouped) == 1  # one pass: option counts, respondents and segments together
    assert len(statements) <= 12  # plus the campaign, its links, questionnaires, questions…
    # 42 questions and 182 responses cost as many queries as 7 questions and 6 responses.
    small, _ = _small_campaign(factories.make_school("school-b", "Ліцей №2"))
    factories.make_responses(
        small, "students", [({"grade": "g5", "clear": "full", "sources": ["site"]}, 6)]
    )
    assert len(_statements(small)) == len(statements)


def _small_campaign(school, year="2024-2025"):
    direction = factories.make_direction()
    questionnaires = factories.small_questionnaires(direction)
    return factories.make_campaign(school, direction, questionnaires, year=year), direction


@pytest.mark.parametrize("app_config", [{"ANKETA_MIN_GROUP_SIZE": 3}])  # 4 answered it
def test_multiple_choice_counts_respondents_not_ticks(school):
    campaign, _ = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full", "sources": ["teacher", "site"]}, 3),
            ({"grade": "g6", "clear": "none", "sources": ["teacher"]}, 1),
            ({"grade": "g6", "clear": "partly"}, 4),
        ],
    )
    sources = analyze_campaign(campaign).question("students", "sources")
    assert sources.answered == 4
    assert percents(sources) == [100.0, 0.0, 75.0]


@pytest.mark.parametrize("app_config", [{"ANKETA_MIN_GROUP_SIZE": 3}])  # 4 parents
def test_versions_of_one_questionnaire_are_merged_by_key(school):
    campaign, direction = _small_campaign(school)
    factories.make_responses(campaign, "parents", [({"understand": "full"}, 2)])
    newer = factories.make_questionnaire(
        direction,
        "parents",
        [
            {"key": "intro", "text": "Нове запитання", "options": factories.YES_NO_DK},
            {
                "key": "understand",
                "text": "Я розумію критерії оцінювання.",
                "options": factories.DEGREE,
                "topic": "criteria",
                "measures": "criteria_understanding",
            },
        ],
        version=2,
    )
    link = campaign.link_for("parents")
    link.questionnaire = newer
    db.session.commit()
    factories.make_responses(campaign, "parents", [({"understand": "none", "intro": "yes"}, 2)])
    analysis = analyze_campaign(campaign)
    understand = analysis.question("parents", "understand")
    assert understand.text == "Я розумію критерії оцінювання."  # the current wording
    assert understand.answered == 4
    assert percents(understand) == [50.0, 0.0, 0.0, 50.0]
    assert analysis.question("parents", "intro").answered == 2
    assert [q.key for q in analysis.questions_for_role("parents")] == ["intro", "understand"]


def test_a_malformed_single_choice_import_counts_respondents(school):
    campaign, _ = _small_campaign(school)
    factories.make_responses(campaign, "teachers", [({"understand": "full"}, 4)])
    response = factories.make_response(campaign, "teachers", {"understand": "full"})
    question = campaign.link_for("teachers").questionnaire.questions[0]
    # A second option on a single-choice question for the same respondent (a bad CSV import).
    db.session.add(
        Answer(
            response_id=response.id,
            campaign_id=campaign.id,
            question_id=question.id,
            option_id=question.options[1].id,
        )
    )
    db.session.commit()
    understand = analyze_campaign(campaign).question("teachers", "understand")
    assert understand.answered == 5
    assert [o.count for o in understand.options][:2] == [5, 1]


def test_empty_campaign(school):
    campaign, _ = _small_campaign(school)
    analysis = analyze_campaign(campaign)
    assert analysis.respondents == {"teachers": 0, "students": 0, "parents": 0}
    assert analysis.final_level is None
    assert analysis.question("students", "clear").answered == 0


def test_segment_of_four_students_is_suppressed(school):
    campaign, _ = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full"}, 6),
            ({"grade": "g6", "clear": "mostly"}, 5),
            ({"grade": "g7", "clear": "none"}, 4),
        ],
    )
    cells = analyze_campaign(campaign).question("students", "clear").segment_breakdown.cells
    by_key = {c.segment_key: c for c in cells}
    assert by_key["g7"].suppressed and by_key["g7"].respondents is None
    assert by_key["g7"].options == ()
    assert by_key["g6"].reason == "complementary"
    assert not by_key["g5"].suppressed and by_key["g5"].respondents == 6
    assert [o.percent for o in by_key["g5"].options] == [100.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("configured", "shown"), [({}, False), ({"ANKETA_MIN_GROUP_SIZE": 4}, True)]
)
def test_privacy_threshold_from_the_configuration(app, school, configured, shown):
    app.config.update(configured)
    campaign, _ = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [({"grade": "g5", "clear": "full"}, 6), ({"grade": "g6", "clear": "none"}, 4)],
    )
    cells = analyze_campaign(campaign).question("students", "clear").segment_breakdown.cells
    assert {c.segment_key: not c.suppressed for c in cells}["g6"] is shown


def test_respondents_without_a_segment_answer_form_their_own_cell(school):
    campaign, _ = _small_campaign(school)
    factories.make_responses(
        campaign,
        "students",
        [({"grade": "g5", "clear": "full"}, 6), ({"clear": "none"}, 7)],
    )
    cells = analyze_campaign(campaign).question("students", "clear").segment_breakdown.cells
    unstated = next(c for c in cells if c.segment_key == "")
    assert (unstated.segment_text, unstated.respondents) == ("Не вказано", 7)
    assert [o.count for o in unstated.options] == [0, 0, 0, 7]


def test_previous_campaign_and_dynamics(school):
    older = make_seed_campaign(school, year="2023-2024", respondents={"teachers": 31})
    make_seed_campaign(school, year="2022-2023", respondents={"teachers": 31})
    current = make_seed_campaign(school)
    other_school = factories.make_school("school-b", "Ліцей №2")
    make_seed_campaign(other_school, year="2023-2024")
    assert previous_campaign(current).id == older.id
    assert previous_campaign(older).academic_year == "2022-2023"
    dynamics = analyze_campaign(current).dynamics
    assert dynamics.previous_campaign.id == older.id
    t7 = dynamics.question("teachers", "t7")
    assert t7.matched_by == "key"
    assert t7.positive_share_change_pp == 0.0
    assert [o.change_pp for o in t7.options] == [0.0, 0.0, 0.0, 0.0]
    # Students answered only this year: nothing to compare.
    assert dynamics.question("students", "s2").previous_answered == 0
    assert dynamics.question("students", "s2").positive_share_change_pp is None


def test_first_campaign_has_no_dynamics(seed_analysis):
    assert seed_analysis.dynamics is None


def test_level_override_is_stored_and_becomes_final(seed, member):
    computed = analyze_campaign(seed).computed_level
    set_level_override(seed, "low", "  Учні не розуміють критеріїв оцінювання.  ", member)
    db.session.expire_all()
    assert (seed.level_override, seed.level_justification) == (
        "low",
        "Учні не розуміють критеріїв оцінювання.",
    )
    analysis = analyze_campaign(seed)
    assert analysis.final_level.label == "низький"
    assert analysis.computed_level == computed
    assert analysis.override_justification == "Учні не розуміють критеріїв оцінювання."
    set_level_override(seed, None, None, member)
    assert analyze_campaign(seed).final_level == computed


def test_level_override_accepts_the_ukrainian_label(seed):
    set_level_override(seed, "вимагає покращення", "Обґрунтування робочої групи.", None)
    assert seed.level_override == "needs_improvement"


@pytest.mark.parametrize(
    ("level", "justification", "message"),
    [
        ("excellent", "Обґрунтування робочої групи.", "Невідомий рівень"),
        ("high", "", "Обґрунтуйте"),
        ("high", "   коротко ", "Обґрунтуйте"),
    ],
)
def test_level_override_refuses_bad_input(seed, member, level, justification, message):
    with pytest.raises(AnketaError, match=message):
        set_level_override(seed, level, justification, member)
    db.session.expire_all()
    assert seed.level_override is None


def test_level_override_only_by_the_schools_working_group(seed, director):
    stranger = factories.make_user(
        "member@b.ua", school=factories.make_school("school-b", "Ліцей №2")
    )
    for user in (director, stranger):
        with pytest.raises(AnketaError):
            set_level_override(seed, "high", "Обґрунтування робочої групи.", user)
    assert db.session.get(type(seed), seed.id).level_override is None


def test_responses_are_never_loaded_into_python(app, seed):
    loaded: list[object] = []

    def on_load(target, context):
        loaded.append(target)

    event.listen(Response, "load", on_load)
    event.listen(Answer, "load", on_load)
    try:
        db.session.expire_all()
        analyze_campaign(seed)
    finally:
        event.remove(Response, "load", on_load)
        event.remove(Answer, "load", on_load)
    assert loaded == []
