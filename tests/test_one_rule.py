"""Each judgement is made once, by the thresholds the engine was given (issue 12).

Two copies used to disagree: the dashboard called a gap significant at p <= 0.05 while the
engine made it key only at p < 0.05, and the довідка listed weaknesses below a fixed 60 %
whatever the direction's ``levels.sufficient``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.analysis.engine import CampaignCounts, analyze
from app.analysis.results import Gap, OptionGap, Thresholds
from app.analysis.rules import round_half_up
from app.dashboard import charts, services
from app.reports.document import ReportStats, build_report
from app.reports.language import format_number
from app.reports.texts import ReportTexts
from app.vocabulary import parse_level
from tests.analysis_fixtures import DEFINITION
from tests.test_report_builder import COUNTS, INFO, QUESTIONS, RESPONDENTS, reopen

NBSP = "\u00a0"


def test_a_gap_at_exactly_the_maximum_p_is_neither_significant_nor_key():
    thresholds = Thresholds()  # p < 0.05 (docs/methodology.md §4)
    analysis = SimpleNamespace(thresholds=thresholds)
    assert thresholds.is_significant(0.05) is False
    assert services._significant(0.05, analysis) is False  # the dashboard's «значуща»
    assert thresholds.is_key(20.0, 0.05) is False
    assert services._significant(0.0499, analysis) is True
    assert thresholds.is_key(20.0, 0.0499) is True
    assert thresholds.is_key(14.9, 0.0001) is False
    assert services._significant(None, analysis) is None


@pytest.mark.parametrize("share, weak", [(69.9, True), (70.0, False), (None, False)])
def test_weak_follows_the_directions_sufficient_threshold(share, weak):
    assert Thresholds(level_sufficient=70.0).is_weak(share) is weak


def _shortcomings(sufficient: float) -> list[str]:
    definition = {
        **DEFINITION,
        "levels": {"high": 80, "sufficient": sufficient, "needs_improvement": 40},
    }
    analysis = analyze(
        INFO,
        definition,
        QUESTIONS,
        CampaignCounts(respondents=dict(RESPONDENTS), questions=dict(COUNTS)),
    )
    document = reopen(build_report(analysis, ReportTexts(), ReportStats()))
    return [p.text for p in document.paragraphs if p.style.name == "List Bullet"]


def test_the_report_lists_a_65_percent_indicator_as_weak_under_sufficient_70():
    # The parents' p5 has 52 of 80 positive answers: 65,0 %.
    weak = (
        "Низька частка позитивних відповідей батьків на питання "
        f"«Я розумію що таке критерії оцінювання»: 65,0{NBSP}%."
    )
    assert weak in _shortcomings(70)
    assert weak not in _shortcomings(60)


def test_no_page_or_module_compares_a_p_value_itself():
    app = Path(__file__).resolve().parent.parent / "app"
    comparison = re.compile(r"p_value\s*(<=|<|>=|>)|(<=|<|>=|>)\s*[\w.]*max_p_value")
    offenders = [
        f"{path.relative_to(app)}:{number}"
        for path in sorted([*app.rglob("*.py"), *app.rglob("*.html")])
        if path.name != "results.py" or path.parent.name != "analysis"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if comparison.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("value", "printed"), [(80.55, "80,6"), (Fraction(8055, 100), "80,6"), (-6.25, "-6,3")]
)
def test_one_half_up_rounding_serves_the_analysis_the_report_and_the_pages(value, printed):
    # One rule (app/analysis/rules.py): a float is read as the decimal it prints as
    assert round_half_up(value) == float(printed.replace(",", "."))
    assert format_number(float(value)) == printed
    assert charts.format_number(float(value)) == printed


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("high", "high"),
        ("needs_improvement", "needs_improvement"),
        ("needs-improvement", "needs_improvement"),
        ("Достатній", "sufficient"),
        (" вимагає  покращення ", "needs_improvement"),
        ("потребує покращення", "needs_improvement"),
        ("низький", "low"),
        ("дивовижний", None),
        ("", None),
    ],
)
def test_one_level_parser_serves_the_cli_the_texts_and_the_report(text, code):
    assert parse_level(text) == code


APP = Path(__file__).resolve().parent.parent / "app"

# What only its one home may spell out (issue 12, done-when 2): a pattern, and the file it may
# appear in (relative to app/). Every other module imports the name.
ONE_HOME = [
    (r"\bROUND_HALF_UP\b|Decimal\(repr\(", "analysis/rules.py"),  # half-up rounding
    (r"^def round_half_up\(", "analysis/rules.py"),
    (r"^def positive_values\(", "analysis/rules.py"),  # a scale's positive levels
    (r"^def requirement_of\(", "analysis/engine.py"),  # a question's requirement
    (r"^def (parse_level|level_key)\(", "vocabulary.py"),  # level parsing
    (r"\bis_significant\b.*:$|^\s+def is_weak\(", "analysis/results.py"),
    (r"Europe/Kyiv", "vocabulary.py"),  # the schools' timezone
    # the roles in order: nowhere spelled out (vocabulary.ROLES is read off RespondentRole)
    (r"\"teachers\",\s*\"students\"|teachers,\s*students,\s*parents", None),
    (r"\"(високий|достатній|вимагає покращення|низький)\"", "vocabulary.py"),  # level labels
    (r"\"(Вчителі|Учні|Батьки)\"", "vocabulary.py"),  # role labels
    (r"\b(class RespondentRole|class StaffRole)\b", "vocabulary.py"),
    (
        r"^(DEFAULT_LEVELS|DEFAULT_KEY_GAP|DEFAULT_MIN_GROUP_SIZE|MIN_GROUP_SIZE_FLOOR)\b",
        "vocabulary.py",
    ),
]


def _spelled_out(pattern: str) -> set[str]:
    found = re.compile(pattern, re.MULTILINE)
    return {
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if found.search(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize(("pattern", "home"), ONE_HOME)
def test_each_rule_and_word_is_written_in_one_place(pattern, home):
    assert _spelled_out(pattern) == ({home} if home else set())


def test_every_printed_difference_is_the_difference_of_the_printed_figures():
    # 37 of 71 and 61 of 80: 52,1 % and 76,3 % are printed; the unrounded gap rounds to 24,1
    option = OptionGap("o", "Варіант", 52.1, 76.3, -24.1, 0.001, "chi2", True)
    gap = Gap("c", "ordinal", "students", "parents", "s1", "p1", 71, 80, 52.1, 76.3, -24.1,
              9.0, 0.001, 0.3, "chi2", True)  # fmt: skip
    assert option.printed_difference_pp == gap.printed_difference_pp == -24.2


def test_no_page_prints_the_unrounded_difference():
    # the pages and the довідка print printed_difference_pp; difference_pp only judges key gaps
    printed = re.compile(r"pp\([\w.]*\.difference_pp\)|format_pp\([\w.]*\.difference_pp")
    offenders = [
        f"{path.relative_to(APP)}:{number}"
        for path in sorted([*APP.rglob("*.py"), *APP.rglob("*.html")])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if printed.search(line)
    ]
    assert offenders == []
