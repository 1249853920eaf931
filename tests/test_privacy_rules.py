"""The privacy rules of the pure analysis (docs/methodology.md, «Приватність»): whole groups,
complementary suppression and the per-source (form / import) rule.

The subtraction and padding cases are checked by brute force: every assignment of answers to
the respondents an attacker does not know is enumerated, the ones that reproduce every published
number are kept, and no hidden respondent's answer may be the same in all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import product

from hypothesis import example, given
from hypothesis import strategies as st

from app.analysis.engine import (
    CampaignCounts,
    QuestionCounts,
    QuestionDef,
    analyze,
    hidden_groups,
    privacy_reason,
    source_parts,
)
from tests.analysis_fixtures import DEFINITION, DEGREE, INFO, grades

KEYS = tuple(o.key for o in DEGREE)
S1 = QuestionDef("students", "s1", 1, "Клас", options=grades(5, 6, 7), segment=True)
S2 = QuestionDef(
    "students", "s2", 2, "Оцінювання містить зрозумілі вимоги.", options=DEGREE,
    topic="criteria", measures="criteria_understanding",
)  # fmt: skip
T7 = QuestionDef(
    "teachers", "t7", 7, "Я розумію що таке критерії оцінювання.", options=DEGREE,
    topic="criteria", measures="criteria_understanding",
)  # fmt: skip
QUESTIONS = (T7, S1, S2)


# --- the brute-force attacker -----------------------------------------------------------------


def consistent_answers(
    students: Sequence[tuple[str, str | None]],
    published: Mapping[str, object],
    keys: Sequence[str] = KEYS,
) -> list[set[str]]:
    """Return, for each student (grade, answer if the attacker knows it else None), the set of
    answers (among ``keys``) they can have in some assignment that reproduces every published
    number of the question (``published`` is the question's JSON: its option counts unless
    hidden, the counts of its shown segment cells)."""
    unknown = [i for i, (_grade, answer) in enumerate(students) if answer is None]
    total = None if published["hidden"] else {o["id"]: o["count"] for o in published["options"]}
    cells = {}
    for cell in (published.get("segment_breakdown") or {}).get("cells", []):
        if not cell["suppressed"]:
            cells[cell["segment"]] = {o["id"]: o["count"] for o in cell["options"]}
    possible: list[set[str]] = [set() for _ in students]
    for guess in product(keys, repeat=len(unknown)):
        answers = [answer for _grade, answer in students]
        for i, value in zip(unknown, guess, strict=True):
            answers[i] = value
        if total is not None and Counter(answers) != Counter({k: n for k, n in total.items() if n}):
            continue
        by_grade: dict[str, Counter[str]] = {}
        for (grade, _known), answer in zip(students, answers, strict=True):
            by_grade.setdefault(grade, Counter())[answer] += 1
        if any(by_grade.get(g, Counter()) != Counter({k: n for k, n in c.items() if n})
               for g, c in cells.items()):  # fmt: skip
            continue
        for i, answer in enumerate(answers):
            possible[i].add(answer)
    return possible


def students_counts(students: Sequence[tuple[str, str, str]], teachers: int = 20) -> CampaignCounts:
    """Return the counts of students (grade, s2 answer, source "web" | "import") and
    ``teachers`` teachers who all answered t7 «full»."""

    def counts(rows: Sequence[tuple[str, str, str]]) -> CampaignCounts:
        grades_ = Counter(g for g, _a, _s in rows)
        answers = Counter(a for _g, a, _s in rows)
        cells: dict[str, Counter[str]] = {}
        for grade, answer, _source in rows:
            cells.setdefault(grade, Counter())[answer] += 1
        return CampaignCounts(
            respondents={"students": len(rows)} if rows else {},
            questions={
                ("students", "s1"): QuestionCounts(len(rows), dict(grades_)),
                ("students", "s2"): QuestionCounts(len(rows), dict(answers)),
            },
            segments={
                ("students", "s2"): {
                    g: QuestionCounts(sum(c.values()), dict(c)) for g, c in cells.items()
                }
            },
        )

    everyone = counts(students)
    imported = [row for row in students if row[2] != "web"]
    staff = {("teachers", "t7"): QuestionCounts(teachers, {"full": teachers})} if teachers else {}
    return CampaignCounts(
        respondents={**everyone.respondents, "teachers": teachers},
        questions={**everyone.questions, **staff},
        segments=everyone.segments,
        imported=counts(imported) if imported else None,
    )


def published_s2(counts: CampaignCounts, min_group_size: int = 5) -> dict:
    """Return the s2 question of the analysis's JSON document (what the API publishes)."""
    document = analyze(INFO, DEFINITION, QUESTIONS, counts, min_group_size=min_group_size)
    return next(q for q in document.to_json()["questions"] if q["id"] == "s2")


# --- subtraction: 6 / 1 / 1 ------------------------------------------------------------------

SIX_ONE_ONE = [("g5", a, "web") for a in ("full", "full", "mostly", "mostly", "partly", "none")]
SIX_ONE_ONE += [("g6", "none", "web"), ("g7", "none", "web")]


def test_six_one_one_hides_every_grade():
    cells = {c["segment"]: c for c in published_s2(students_counts(SIX_ONE_ONE))[
        "segment_breakdown"]["cells"]}  # fmt: skip
    assert {g: (c["suppressed"], c["reason"]) for g, c in cells.items()} == {
        "g5": (True, "complementary"),
        "g6": (True, "small_group"),
        "g7": (True, "small_group"),
    }
    assert all(c["options"] == [] and c["respondents"] is None for c in cells.values())


def test_six_one_one_reveals_no_hidden_students_answer():
    published = published_s2(students_counts(SIX_ONE_ONE))
    assert published["answered"] == 8 and not published["hidden"]
    known = [(grade, None) for grade, _answer, _source in SIX_ONE_ONE]
    possible = consistent_answers(known, published)
    for (grade, _answer, _source), answers in zip(SIX_ONE_ONE, possible, strict=True):
        assert len(answers) >= 2, (grade, answers)


def test_the_checker_catches_the_old_rule():
    """Publishing g5 (what one complementary cell for one hidden cell did not prevent: two
    hidden cells) gives both hidden students' answers away: «none», «none»."""
    published = published_s2(students_counts(SIX_ONE_ONE))
    g5 = [Counter(a for g, a, _s in SIX_ONE_ONE if g == "g5")]
    published["segment_breakdown"]["cells"][0] = {
        "segment": "g5", "suppressed": False,
        "options": [{"id": k, "count": g5[0][k]} for k in KEYS],
    }  # fmt: skip
    possible = consistent_answers([(g, None) for g, _a, _s in SIX_ONE_ONE], published)
    assert possible[6] == {"none"} and possible[7] == {"none"}


@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8),
    st.integers(min_value=3, max_value=7),
)
def test_hidden_cells_hold_none_or_enough(sizes, threshold):
    cells = {f"g{i}": n for i, n in enumerate(sizes)}
    hidden = hidden_groups(cells, threshold)
    total = sum(sizes)
    hidden_sum = sum(cells[k] for k in hidden)
    assert all(cells[k] > 0 for k in hidden)
    if total >= threshold:
        assert hidden_sum == 0 or hidden_sum >= threshold
    assert all(n >= threshold for k, n in cells.items() if n and k not in hidden)
    # Stable: the same cells in the same order always give the same answer.
    assert hidden_groups(cells, threshold) == hidden


@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=6),
    st.integers(min_value=3, max_value=6),
)
# The form's 3 cannot be helped (the role is hidden anyway); the imported 2 still need a cell.
@example([(3, 0), (0, 2), (0, 6)], 5)
def test_hidden_cells_hold_none_or_enough_per_source(sizes, threshold):
    cells = {f"g{i}": parts for i, parts in enumerate(sizes)}
    hidden = hidden_groups(cells, threshold)
    for source in (0, 1):
        total = sum(parts[source] for parts in sizes)
        hidden_sum = sum(cells[k][source] for k in hidden)
        if total == 0 or total >= threshold:
            assert hidden_sum == 0 or hidden_sum >= threshold, (source, hidden)
        for k, parts in cells.items():
            if k not in hidden:
                assert parts[source] == 0 or parts[source] >= threshold


# --- whole groups -----------------------------------------------------------------------------


def test_three_teachers_are_a_count_and_no_figures():
    analysis = analyze(INFO, DEFINITION, QUESTIONS, students_counts(SIX_ONE_ONE * 2, teachers=3))
    assert analysis.hidden_roles == {"teachers": "small_group"}
    t7 = analysis.question("teachers", "t7")
    assert (t7.hidden, t7.answered, t7.respondents) == ("small_group", 3, 3)
    assert t7.options == () and t7.positive_share is None
    assert not analysis.gaps  # teachers would be the only pair for the construct
    score = analysis.requirement_score("2.1")
    assert score.role_scores["teachers"] is None
    assert score.questions_used == ("students:s2",)
    document = analysis.to_json()
    assert document["hidden_roles"] == {
        "teachers": {"reason": "small_group", "note": "замало відповідей для аналізу (менше 5)"}
    }
    assert document["respondents"]["teachers"] == 3


def test_the_words_carry_the_configured_threshold():
    analysis = analyze(
        INFO, DEFINITION, QUESTIONS, students_counts(SIX_ONE_ONE, teachers=6), min_group_size=7
    )
    assert analysis.hidden_roles == {"teachers": "small_group"}
    assert analysis.hidden_note("small_group") == "замало відповідей для аналізу (менше 7)"


def test_a_question_answered_by_too_few_is_hidden():
    counts = students_counts(SIX_ONE_ONE * 2)
    questions = dict(counts.questions)
    questions[("teachers", "t7")] = QuestionCounts(4, {"full": 4})
    analysis = analyze(
        INFO, DEFINITION, QUESTIONS, CampaignCounts(counts.respondents, questions, counts.segments)
    )
    assert analysis.hidden_roles == {}
    assert analysis.question("teachers", "t7").hidden == "small_group"
    assert analysis.question("teachers", "t7").options == ()


# --- sources ----------------------------------------------------------------------------------


def test_privacy_reason_per_source():
    assert privacy_reason(source_parts(5, 4), 5) == "mixed_sources"  # 1 web + 4 imported
    assert privacy_reason(source_parts(3, 0), 5) == "small_group"  # 3 teachers
    assert privacy_reason(source_parts(30, 30), 5) is None  # only imported (Google Forms)
    assert privacy_reason(source_parts(9, 4), 5) == "mixed_sources"  # 5 web + 4 imported
    assert privacy_reason(source_parts(9, 0), 5) is None
    assert privacy_reason(source_parts(0, 0), 5) is None


PADDED = [("g5", a, "web") for a in ("full", "full", "mostly", "mostly", "partly", "none")]
PADDED += [("g6", "none", "web")]


def padded(imported: int) -> list[tuple[str, str, str]]:
    return PADDED + [("g6", "full", "import")] * imported


def test_one_real_and_four_imported_hide_the_whole_role():
    analysis = analyze(INFO, DEFINITION, QUESTIONS, students_counts(padded(4)))
    assert analysis.hidden_roles == {"students": "mixed_sources"}
    assert analysis.hidden_note("mixed_sources") == (
        "замало відповідей для аналізу (менше 5 з форми або з імпорту)"
    )


def test_five_imported_hide_the_mixed_grade_and_its_complement():
    published = published_s2(students_counts(padded(5)))
    cells = {c["segment"]: c["reason"] for c in published["segment_breakdown"]["cells"]}
    assert cells == {"g5": "complementary", "g6": "mixed_sources"}


def test_thirty_imported_alone_are_published():
    rows = [("g5", KEYS[i % 4], "import") for i in range(30)]
    published = published_s2(students_counts(rows))
    assert not published["hidden"]
    assert published["segment_breakdown"]["cells"][0]["respondents"] == 30
