"""The pure analysis (app.analysis.engine): counts in, CampaignAnalysis out — no database."""

from __future__ import annotations

import dataclasses

import pytest

from app.analysis.engine import (
    UNSTATED_SEGMENT,
    CampaignCounts,
    OptionDef,
    QuestionCounts,
    QuestionDef,
    analyze,
    thresholds_from,
)
from app.analysis.results import Level
from app.analysis.stats import homogeneity_test
from tests.analysis_fixtures import DEFINITION, DEGREE, INFO, SOURCES, YES_NO, grades

GRADES = grades(5, 6, 7, 8)

T7 = QuestionDef(
    "teachers", "t7", 7, "Я розумію що таке критерії оцінювання.", options=DEGREE,
    topic="criteria", measures="criteria_understanding",
)  # fmt: skip
T6 = QuestionDef(
    "teachers", "t6", 6, "Як здобувачі дізнаються про критерії?", type="multiple",
    options=SOURCES, topic="informing", measures="criteria_sources",
)  # fmt: skip
T20 = QuestionDef("teachers", "t20", 20, "Ваші пропозиції", type="text")
S1 = QuestionDef("students", "s1", 1, "Клас", options=GRADES, segment=True)
S2 = QuestionDef(
    "students", "s2", 2, "Оцінювання містить зрозумілі вимоги.", options=DEGREE,
    topic="criteria", measures="criteria_understanding",
)  # fmt: skip
S4 = QuestionDef("students", "s4", 4, "Чи доступна інформація?", options=YES_NO, topic="informing")
S9 = QuestionDef(
    "students", "s9", 9, "Інформацію я отримую…", type="multiple", options=SOURCES,
    topic="informing", measures="criteria_sources",
)  # fmt: skip
S5 = QuestionDef("students", "s5", 5, "Впевненість", options=DEGREE, topic="support")
P5 = QuestionDef(
    "parents", "p5", 5, "Я розумію що таке критерії оцінювання.", options=DEGREE,
    topic="criteria", measures="criteria_understanding",
)  # fmt: skip
QUESTIONS = (T7, T6, T20, S1, S2, S4, S9, S5, P5)


def degree(full: int, mostly: int, partly: int, none: int) -> QuestionCounts:
    counts = {"full": full, "mostly": mostly, "partly": partly, "none": none}
    return QuestionCounts(sum(counts.values()), counts)


def seed_counts(**overrides: QuestionCounts) -> CampaignCounts:
    questions = {
        ("teachers", "t7"): QuestionCounts(31, {"full": 25, "mostly": 6}),
        ("teachers", "t6"): QuestionCounts(31, {"teacher": 29, "class_teacher": 20, "site": 12}),
        ("teachers", "t20"): QuestionCounts(9),
        ("students", "s1"): QuestionCounts(71, {"g5": 20, "g6": 24, "g7": 23, "g8": 4}),
        ("students", "s2"): degree(18, 24, 13, 16),
        ("students", "s4"): QuestionCounts(67, {"yes": 19, "no": 12, "dont_know": 36}),
        ("students", "s9"): QuestionCounts(71, {"teacher": 60, "class_teacher": 30, "site": 5}),
        ("students", "s5"): degree(18, 15, 14, 24),
        ("parents", "p5"): degree(23, 29, 11, 17),
    }
    questions.update({tuple(k.split(":")): v for k, v in overrides.items()})
    return CampaignCounts(
        respondents={"teachers": 31, "students": 71, "parents": 80}, questions=questions
    )


@pytest.fixture(scope="module")
def analysis():
    return analyze(INFO, DEFINITION, QUESTIONS, seed_counts())


def percents(question):
    return [option.percent for option in question.options]


def test_single_choice_percentages_of_the_seed(analysis):
    teachers = analysis.question("teachers", "t7")
    assert teachers.answered == 31
    assert percents(teachers) == [80.6, 19.4, 0.0, 0.0]
    assert teachers.positive_share == 100.0
    students = analysis.question("students", "s2")
    assert students.answered == 71
    assert [o.count for o in students.options] == [18, 24, 13, 16]
    assert percents(students) == [25.4, 33.8, 18.3, 22.5]
    assert students.positive_share == 59.2  # 42 / 71
    assert students.positive_count == 42
    assert [o.positive for o in students.options] == [True, True, False, False]


def test_parents_of_eighty(analysis):
    # 23/80 = 28.75 and 29/80 = 36.25 round half-up (the seed printed 28.5 and 36.2).
    assert percents(analysis.question("parents", "p5")) == [28.8, 36.3, 13.8, 21.3]


def test_multiple_choice_percent_of_respondents_may_sum_above_100(analysis):
    sources = analysis.question("teachers", "t6")
    assert percents(sources) == [93.5, 64.5, 38.7]
    assert sum(percents(sources)) > 100
    assert sources.positive_share is None
    assert not sources.ordinal


def test_dont_know_is_excluded_from_the_positive_share_and_reported_apart(analysis):
    access = analysis.question("students", "s4")
    assert percents(access) == [28.4, 17.9, 53.7]
    assert access.valued_answered == 31
    assert access.positive_share == 61.3  # 19 of the 31 who said yes or no
    assert access.unknown_count == 36
    assert access.unknown_share == 53.7


def test_text_questions_are_counted_never_aggregated(analysis):
    comments = analysis.question("teachers", "t20")
    assert comments.answered == 9
    assert comments.text_answers_count == 9
    assert comments.options == ()
    assert comments.positive_share is None


def test_question_order_is_role_by_role(analysis):
    assert [(q.role, q.key) for q in analysis.questions] == [
        ("teachers", "t7"),
        ("teachers", "t6"),
        ("teachers", "t20"),
        ("students", "s1"),
        ("students", "s2"),
        ("students", "s4"),
        ("students", "s9"),
        ("students", "s5"),
        ("parents", "p5"),
    ]
    assert analysis.question("students", "s2").requirement == "2.1"
    assert analysis.question("students", "s5").requirement == "2.2"


def test_teachers_students_gap_is_key(analysis):
    gap = next(
        g for g in analysis.gaps_for_construct("criteria_understanding") if g.role_b == "students"
    )
    assert (gap.role_a, gap.role_b, gap.question_a, gap.question_b) == (
        "teachers",
        "students",
        "t7",
        "s2",
    )
    assert (gap.share_a, gap.share_b) == (100.0, 59.2)
    assert gap.difference_pp == 40.8  # 100 − 4200/71 = 40.845… → 40.8
    assert gap.test == "permutation"  # expected counts of «частково» for teachers < 5
    assert gap.p_value < 0.001
    assert gap.effect_size == pytest.approx(0.5409, abs=1e-4)
    assert gap.key


def test_students_parents_gap_is_not_key(analysis):
    gap = next(
        g
        for g in analysis.gaps_for_construct("criteria_understanding")
        if (g.role_a, g.role_b) == ("students", "parents")
    )
    assert gap.test == "chi2"
    assert gap.difference_pp == -5.8  # 59.15… − 65 = −5.85… → −5.8
    assert gap.p_value == pytest.approx(0.862656, abs=1e-6)
    assert not gap.key


def test_gaps_cover_every_pair_of_roles(analysis):
    pairs = [(g.role_a, g.role_b) for g in analysis.gaps_for_construct("criteria_understanding")]
    assert pairs == [("teachers", "students"), ("teachers", "parents"), ("students", "parents")]


def test_multiple_choice_construct_has_per_option_gaps(analysis):
    (gap,) = analysis.gaps_for_construct("criteria_sources")
    assert gap.kind == "multiple"
    site = next(o for o in gap.option_gaps if o.option_key == "site")
    assert (site.percent_a, site.percent_b) == (38.7, 7.0)
    assert site.difference_pp == 31.7  # 12/31 − 5/71 = 31.67…
    assert site.test == "chi2"
    assert site.p_value < 0.001
    assert site.key
    class_teacher = next(o for o in gap.option_gaps if o.option_key == "class_teacher")
    assert class_teacher.difference_pp == 22.3
    assert gap.key


def test_key_thresholds_come_from_the_direction():
    strict = {**DEFINITION, "key_gap": {"min_difference_pp": 50, "max_p_value": 0.01}}
    analysis = analyze(INFO, strict, QUESTIONS, seed_counts())
    assert not any(g.key for g in analysis.gaps_for_construct("criteria_understanding"))
    assert analysis.thresholds.key_gap_min_difference_pp == 50.0


def test_a_large_difference_without_significance_is_not_key():
    analysis = analyze(
        INFO,
        DEFINITION,
        QUESTIONS,
        seed_counts(
            **{
                "teachers:t7": QuestionCounts(3, {"full": 2, "partly": 1}),
                "parents:p5": QuestionCounts(3, {"full": 1, "none": 2}),
            }
        ),
        min_group_size=3,  # the floor: 3 answers each may be compared
    )
    gap = next(g for g in analysis.gaps if (g.role_a, g.role_b) == ("teachers", "parents"))
    assert gap.difference_pp == pytest.approx(33.3)
    assert gap.test == "permutation"
    assert gap.p_value > 0.05
    assert not gap.key


def test_requirement_scores_weight_roles_equally(analysis):
    first = analysis.requirement_score("2.1")
    # teachers t7 = 100; students mean(s2 4200/71, s4 1900/31); parents p5 = 65.
    assert first.role_scores == {"teachers": 100.0, "students": 60.2, "parents": 65.0}
    assert first.score == 75.1
    assert first.questions_used == ("teachers:t7", "students:s2", "students:s4", "parents:p5")
    second = analysis.requirement_score("2.2")
    assert second.score == 46.5  # 33 / 71
    assert second.role_scores["teachers"] is None
    assert analysis.score == 60.8
    assert analysis.computed_level == Level("sufficient", "достатній")
    assert analysis.final_level == analysis.computed_level


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (None, "sufficient"),
        ({"high": 60, "sufficient": 50, "needs_improvement": 40}, "high"),
        ({"high": 90, "sufficient": 70, "needs_improvement": 60}, "needs_improvement"),
        ({"high": 95, "sufficient": 90, "needs_improvement": 61}, "low"),
    ],
)
def test_level_thresholds_from_the_direction(levels, expected):
    definition = dict(DEFINITION) if levels is None else {**DEFINITION, "levels": levels}
    assert analyze(INFO, definition, QUESTIONS, seed_counts()).computed_level.code == expected


def test_override_replaces_the_final_level_with_its_justification():
    analysis = analyze(
        INFO,
        DEFINITION,
        QUESTIONS,
        seed_counts(),
        override_level="needs_improvement",
        override_justification="Учні не розуміють критеріїв.",
    )
    assert analysis.computed_level.code == "sufficient"
    assert analysis.override_level.label == "вимагає покращення"
    assert analysis.final_level.code == "needs_improvement"
    assert analysis.override_justification == "Учні не розуміють критеріїв."
    with pytest.raises(ValueError):
        analyze(INFO, DEFINITION, QUESTIONS, seed_counts(), override_level="excellent")


def _segments(cells):
    return {("students", "s2"): {k: QuestionCounts(sum(v.values()), v) for k, v in cells.items()}}


def test_segment_of_four_respondents_is_suppressed_with_its_complement():
    counts = dataclasses.replace(
        seed_counts(),
        segments=_segments(
            {
                "g5": {"full": 6, "mostly": 6, "partly": 4, "none": 4},
                "g6": {"full": 5, "mostly": 8, "partly": 5, "none": 6},
                "g7": {"full": 6, "mostly": 9, "partly": 3, "none": 5},
                "g8": {"full": 1, "mostly": 1, "partly": 1, "none": 1},
            }
        ),
    )
    breakdown = analyze(INFO, DEFINITION, QUESTIONS, counts).question("students", "s2")
    cells = {c.segment_key: c for c in breakdown.segment_breakdown.cells}
    assert breakdown.segment_breakdown.segment_question == "s1"
    assert cells["g8"].suppressed and cells["g8"].reason == "small_group"
    assert cells["g8"].respondents is None and cells["g8"].options == ()
    # 71 is published: g5 (the smallest shown, 20) is hidden so g8 cannot be recovered.
    assert cells["g5"].suppressed and cells["g5"].reason == "complementary"
    assert not cells["g6"].suppressed
    assert cells["g6"].respondents == 24
    assert [o.percent for o in cells["g6"].options] == [20.8, 33.3, 20.8, 25.0]
    assert cells["g6"].positive_share == 54.2
    assert cells["g7"].respondents == 23


def test_two_small_segments_need_no_complement():
    counts = dataclasses.replace(
        seed_counts(),
        segments=_segments(
            {
                "g5": {"full": 30, "mostly": 33},
                "g6": {"full": 2, "mostly": 2},
                UNSTATED_SEGMENT: {"none": 4},
            }
        ),
    )
    cells = analyze(INFO, DEFINITION, QUESTIONS, counts).question("students", "s2")
    shown = {c.segment_key: c.suppressed for c in cells.segment_breakdown.cells}
    assert shown == {"g5": False, "g6": True, UNSTATED_SEGMENT: True}


@pytest.mark.parametrize(("configured", "direction", "expected"), [(5, 0, 5), (1, 0, 3), (5, 8, 8)])
def test_privacy_threshold_never_below_three(configured, direction, expected):
    assert thresholds_from({"min_group_size": direction}, configured).min_group_size == expected


def test_dynamics_against_the_previous_campaign(analysis):
    previous_info = dataclasses.replace(INFO, id=0, academic_year="2023-2024")
    renamed = dataclasses.replace(P5, key="p4")  # same construct under another id last year
    previous = analyze(
        previous_info,
        DEFINITION,
        (T7, S2, renamed),
        CampaignCounts(
            respondents={"teachers": 20, "students": 50, "parents": 40},
            questions={
                ("teachers", "t7"): QuestionCounts(20, {"full": 10, "mostly": 10}),
                ("students", "s2"): QuestionCounts(
                    50, {"full": 10, "mostly": 10, "partly": 10, "none": 20}
                ),
                ("parents", "p4"): QuestionCounts(40, {"full": 10, "mostly": 10, "none": 20}),
            },
        ),
    )
    current = analyze(INFO, DEFINITION, QUESTIONS, seed_counts(), previous=previous)
    dynamics = current.dynamics
    assert dynamics.previous_campaign.academic_year == "2023-2024"
    t7 = dynamics.question("teachers", "t7")
    assert t7.matched_by == "key"
    assert [o.change_pp for o in t7.options] == [30.6, -30.6, 0.0, 0.0]
    assert t7.positive_share_change_pp == 0.0
    s2 = dynamics.question("students", "s2")
    assert s2.previous_positive_share == 40.0
    assert s2.positive_share_change_pp == 19.2
    p5 = dynamics.question("parents", "p5")
    assert (p5.matched_by, p5.previous_key) == ("construct", "p4")
    assert p5.positive_share_change_pp == 15.0
    assert dynamics.question("students", "s9") is None
    assert dynamics.score_change_pp == pytest.approx(current.score - previous.score, abs=0.05)
    assert analysis.dynamics is None


def test_empty_campaign_has_no_figures():
    counts = CampaignCounts(respondents={}, questions={})
    analysis = analyze(INFO, DEFINITION, QUESTIONS, counts)
    assert analysis.question("students", "s2").answered == 0
    assert all(o.percent is None for o in analysis.question("students", "s2").options)
    assert analysis.score is None and analysis.final_level is None
    assert all(g.test is None and not g.key for g in analysis.gaps)
    assert analysis.respondents == {"teachers": 0, "students": 0, "parents": 0}


def test_to_json_is_plain_data(analysis):
    import json

    document = json.loads(json.dumps(analysis.to_json()))
    assert document["respondents"] == {"teachers": 31, "students": 71, "parents": 80}
    s2 = next(q for q in document["questions"] if q["role"] == "students" and q["id"] == "s2")
    assert [o["percent"] for o in s2["options"]] == [25.4, 33.8, 18.3, 22.5]
    assert document["level"]["final"] == {"code": "sufficient", "label": "достатній"}


def test_roles_on_different_scales_are_tested_positive_against_not_positive():
    frequency = (
        OptionDef("always", "Так, завжди", 4),
        OptionDef("mostly", "Переважно так", 3),
        OptionDef("sometimes", "Іноді", 2),
        OptionDef("never", "Ніколи", 1),
    )
    p1 = QuestionDef("parents", "p1", 1, "Чи отримуєте інформацію?", options=frequency,
                     measures="criteria_access", scale="frequency")  # fmt: skip
    s4 = dataclasses.replace(S4, measures="criteria_access", scale="yes_no")
    counts = CampaignCounts(
        respondents={"students": 67, "parents": 80},
        questions={
            ("students", "s4"): QuestionCounts(67, {"yes": 19, "no": 12, "dont_know": 36}),
            ("parents", "p1"): QuestionCounts(
                80, {"always": 29, "mostly": 24, "sometimes": 4, "never": 23}
            ),
        },
    )
    definition = {**DEFINITION, "scales": {"yes_no": {"positive": ["yes"]}}}
    (gap,) = analyze(INFO, definition, (s4, p1), counts).gaps
    assert (gap.share_a, gap.share_b) == (61.3, 66.3)  # 19/31; 53/80 = 66.25 → 66.3
    assert gap.difference_pp == -5.0  # 61.29… − 66.25 = −4.96…
    reference = homogeneity_test([19, 12], [53, 27])
    assert (gap.test, gap.p_value) == (reference.test, reference.p_value)
    assert not gap.key


def test_a_scale_may_name_its_positive_options():
    definition = {**DEFINITION, "scales": {"degree": {"positive": ["full"]}}}
    only_full = dataclasses.replace(S2, scale="degree")
    analysis = analyze(INFO, definition, (only_full,), seed_counts())
    assert analysis.question("students", "s2").positive_share == 25.4
