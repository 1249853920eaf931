"""Percentages and significance tests on counts (app.analysis.stats), hand-computed."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from app.analysis.rules import positive_values, round_half_up, subtract_printed
from app.analysis.stats import (
    NO_TEST,
    PERMUTATIONS,
    homogeneity_test,
    percent,
    permutation_p_value,
)


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [
        (25, 31, 80.6),
        (6, 31, 19.4),
        (18, 71, 25.4),
        (24, 71, 33.8),
        (13, 71, 18.3),
        (16, 71, 22.5),
        (1, 8, 12.5),
        (1, 16, 6.3),  # 6.25: half-up, where float round() gives 6.2
        (3, 16, 18.8),  # 18.75
        (1, 3, 33.3),
        (2, 3, 66.7),
        (0, 5, 0.0),
        (5, 5, 100.0),
        (1, 40, 2.5),
        (1, 80, 1.3),  # 1.25
    ],
)
def test_percent_rounds_half_up_from_the_exact_fraction(count, total, expected):
    assert percent(count, total) == expected


def test_percent_of_nobody_is_none():
    assert percent(0, 0) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(-625, 100), -6.3), (Fraction(625, 100), 6.3), (Fraction(-1, 20), -0.1)],
)
def test_half_up_is_symmetric_around_zero(value, expected):
    assert round_half_up(value) == expected


def test_difference_of_printed_figures_is_exact():
    assert subtract_printed(80.6, 75.1) == 5.5
    assert subtract_printed(0.3, 0.1) == 0.2  # not 0.19999999999999998
    assert subtract_printed(None, 3.0) is None


@pytest.mark.parametrize(
    ("values", "positive"),
    [
        ([4, 3, 2, 1], {4, 3}),
        ([1, 2, 3, 4, 5], {5, 4}),
        ([2, 1], {2}),  # yes / no: «Так» only
        ([3, 2, 1], {3}),
        ([], set()),
    ],
)
def test_positive_levels(values, positive):
    assert positive_values(values) == positive


def test_chi_square_matches_scipy_when_expected_counts_are_large():
    students, parents = [18, 24, 13, 16], [23, 29, 11, 17]
    result = homogeneity_test(students, parents)
    reference = stats.chi2_contingency(np.array([students, parents]), correction=False)
    assert result.test == "chi2"
    assert result.statistic == pytest.approx(float(reference.statistic))
    assert result.p_value == pytest.approx(float(reference.pvalue))
    # Known values (scipy 1.x): chi2 = 0.7446, p = 0.8627, V = sqrt(chi2 / 151).
    assert result.statistic == pytest.approx(0.744645, abs=1e-6)
    assert result.p_value == pytest.approx(0.862656, abs=1e-6)
    assert result.effect_size == pytest.approx(math.sqrt(0.7446454014 / 151), abs=1e-9)


def test_two_by_two_without_yates_correction():
    result = homogeneity_test([30, 20], [15, 35])
    reference = stats.chi2_contingency(np.array([[30, 20], [15, 35]]), correction=False)
    assert result.test == "chi2"
    assert result.p_value == pytest.approx(float(reference.pvalue))
    assert result.effect_size == pytest.approx(math.sqrt(float(reference.statistic) / 100))


def test_small_two_by_two_uses_fisher_exact():
    result = homogeneity_test([3, 1], [1, 3])
    assert result.test == "exact"
    assert result.p_value == pytest.approx(
        stats.fisher_exact([[3, 1], [1, 3]], alternative="two-sided").pvalue
    )
    assert result.p_value == pytest.approx(0.4857142857)


def test_all_zero_columns_are_dropped_before_testing():
    assert homogeneity_test([3, 1, 0], [1, 3, 0]) == homogeneity_test([3, 1], [1, 3])


def _exact_permutation_p(row_a, row_b):
    """Exact p of the chi-square statistic under fixed margins (full enumeration)."""
    totals = [a + b for a, b in zip(row_a, row_b, strict=True)]
    n_a, n = sum(row_a), sum(totals)
    observed = stats.chi2_contingency(np.array([row_a, row_b]), correction=False).statistic
    p = 0.0
    for first in itertools.product(*(range(t + 1) for t in totals)):
        if sum(first) != n_a:
            continue
        prob = math.prod(math.comb(t, x) for t, x in zip(totals, first, strict=True)) / math.comb(
            n, n_a
        )
        second = [t - x for t, x in zip(totals, first, strict=True)]
        chi2 = stats.chi2_contingency(np.array([first, second]), correction=False).statistic
        if chi2 >= observed - 1e-9:
            p += prob
    return p


def test_small_larger_table_uses_the_permutation_test_close_to_the_exact_p():
    row_a, row_b = [3, 1, 2], [1, 3, 1]
    result = homogeneity_test(row_a, row_b)
    assert result.test == "permutation"
    assert result.min_expected < 5
    exact = _exact_permutation_p(row_a, row_b)
    # 19,999 resamples: standard error about 0.0035 at p ≈ 0.45.
    assert result.p_value == pytest.approx(exact, abs=0.015)


def test_permutation_is_deterministic_and_never_zero():
    first = homogeneity_test([25, 6, 0, 0], [18, 24, 13, 16])
    second = homogeneity_test([25, 6, 0, 0], [18, 24, 13, 16])
    assert first == second
    assert first.test == "permutation"
    # No resample is as extreme as the observed table: p = 1 / (R + 1).
    assert first.p_value == pytest.approx(1 / (PERMUTATIONS + 1))


def test_permutation_p_of_an_unremarkable_table_is_one():
    # The observed table is the most balanced possible: every resample is at least as extreme.
    assert permutation_p_value([1, 1, 1], [1, 1, 1], 0.0) == 1.0


@pytest.mark.parametrize(
    ("row_a", "row_b"),
    [([5, 0], [3, 0]), ([0, 0, 0], [1, 2, 3]), ([4], [2]), ([], [])],
)
def test_untestable_tables(row_a, row_b):
    assert homogeneity_test(row_a, row_b) == NO_TEST


@pytest.mark.parametrize(
    "table",
    [
        [[10, 20, 30], [30, 20, 10]],
        [[7, 9], [12, 30]],
        [[50, 40, 30, 20], [21, 33, 28, 40]],
        [[5, 6, 7], [8, 9, 10], [11, 12, 13]],
    ],
)
def test_own_pearson_chi_square_equals_scipy(table):
    from app.analysis.stats import _pearson

    chi2, p, expected = _pearson(np.array(table))
    reference = stats.chi2_contingency(np.array(table), correction=False)
    assert chi2 == pytest.approx(float(reference.statistic), rel=1e-12)
    assert p == pytest.approx(float(reference.pvalue), rel=1e-9)
    assert expected == pytest.approx(reference.expected_freq)


@pytest.mark.parametrize(("value", "expected"), [(7, 7.0), (-3, -3.0), (0, 0.0)])
def test_half_up_of_integers(value, expected):
    assert round_half_up(value) == expected
