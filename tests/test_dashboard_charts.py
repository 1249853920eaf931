"""The results page's chart helpers: level colours, bars, change marks, number formatting."""

from __future__ import annotations

import pytest

from app.analysis.results import OptionResult
from app.dashboard import charts
from app.reports.language import format_number as babel_number


def options(*values, percents=None):
    percents = percents or [None] * len(values)
    return [
        OptionResult(key=f"o{i}", text=f"Варіант {i}", count=0, percent=p, value=v)
        for i, (v, p) in enumerate(zip(values, percents, strict=True))
    ]


@pytest.mark.parametrize(
    ("values", "classes"),
    [
        ((4, 3, 2, 1), ["lvl-1", "lvl-2", "lvl-3", "lvl-4"]),
        ((2, 1, None), ["lvl-1", "lvl-4", "unk"]),  # yes / no / don't know
        ((3, 2, 1), ["lvl-1", "lvl-3", "lvl-4"]),
        ((None, None, None), ["cat-0", "cat-1", "cat-2"]),  # nominal (grades)
    ],
)
def test_same_level_same_colour(values, classes):
    assert list(charts.level_classes(options(*values)).values()) == classes


def test_stacked_bar_widths_labels_and_text():
    bar = str(charts.stacked_bar(options(4, 3, 2, 1, percents=[80.6, 19.4, 0.0, None]), "вчителі"))
    assert 'style="width:80.6%"' in bar and 'style="width:19.4%"' in bar
    assert bar.count('<i class="lvl-') == 2  # empty options take no room
    assert ">80,6</i>" in bar
    assert 'aria-label="вчителі: Варіант 0: 80,6\u00a0%; Варіант 1: 19,4\u00a0%"' in bar


def test_stacked_bar_escapes_texts():
    evil = [OptionResult("x", '<script>"', 1, 100.0, 4)]
    bar = str(charts.stacked_bar(evil, "<b>"))
    assert "<script>" not in bar and "&lt;script&gt;" in bar and "&lt;b&gt;" in bar


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (3.25, "▲\u00a03,3\u00a0в.\u00a0п."),
        (-1.0, "▼\u00a01,0\u00a0в.\u00a0п."),
        (0.0, "= 0,0"),
        (None, ""),
    ],
)
def test_change_mark(change, expected):
    assert expected in str(charts.change_mark(change))


@pytest.mark.parametrize("value", [0, 0.05, 0.15, 2.675, 59.15, 80.55, 99.95, 100.0, 1234.56])
def test_numbers_match_the_report_formatting(value):
    assert charts.format_number(value) == babel_number(value)
    assert charts.format_percent(value) == babel_number(value) + "\u00a0%"


@pytest.mark.parametrize(
    ("significant", "words"),
    [(True, "різниця статистично значуща"), (False, "може бути випадковою"),
     (None, "перевірити неможливо: замало відповідей")],
)  # fmt: skip
def test_significance_words(app, significant, words):
    with app.test_request_context():
        assert charts.significance_words(significant) == words
