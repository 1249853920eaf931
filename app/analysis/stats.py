"""Arithmetic and statistics on counts: half-up percentages and the tests behind every gap.

Shares are carried as exact ``Fraction`` values and rounded only when they become a figure
(``round_half_up``), so 1/16 prints as 6,3 % and a difference is taken between unrounded shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import special, stats

from app.analysis.rules import round_half_up

#: Below this expected count in any cell the chi-square approximation is not trusted.
MIN_EXPECTED = 5.0
#: Resamples of the permutation test (p has a resolution of 1/(PERMUTATIONS + 1)).
PERMUTATIONS = 19_999
#: A fixed seed: the same counts always give the same p-value.
PERMUTATION_SEED = 20_250_401


def share(count: int, total: int) -> Fraction | None:
    """Return the exact percent ``100 × count / total``, or None when ``total`` is 0."""
    if total <= 0:
        return None
    return Fraction(100 * count, total)


def percent(count: int, total: int) -> float | None:
    """Return ``100 × count / total`` rounded half-up to one decimal (None for total 0)."""
    exact = share(count, total)
    return None if exact is None else round_half_up(exact)


def rounded(value: Fraction | None) -> float | None:
    """Round an optional exact percent to one decimal."""
    return None if value is None else round_half_up(value)


@dataclass(frozen=True)
class TestResult:
    """The outcome of a homogeneity test on a 2×k table of counts.

    ``test`` is "chi2", "exact" (Fisher, 2×2) or "permutation"; None when the table cannot be
    tested (an empty row, or fewer than two non-empty columns): then every number is None.
    ``statistic`` is always Pearson's chi-square of the observed table (no Yates correction),
    ``effect_size`` Cramér's V derived from it.
    """

    test: str | None
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    min_expected: float | None


NO_TEST = TestResult(None, None, None, None, None)


def _chi2_rows(table: np.ndarray, column_totals: np.ndarray, n: int) -> np.ndarray:
    """Pearson chi-square of many 2×k tables given their first rows (shape R×k)."""
    row_a = table
    n_a = row_a.sum(axis=1, keepdims=True)
    n_b = n - n_a
    expected_a = n_a * column_totals / n
    expected_b = n_b * column_totals / n
    row_b = column_totals - row_a
    chi2: np.ndarray = ((row_a - expected_a) ** 2 / expected_a).sum(axis=1) + (
        (row_b - expected_b) ** 2 / expected_b
    ).sum(axis=1)
    return chi2


def permutation_p_value(
    row_a: Sequence[int], row_b: Sequence[int], statistic: float, resamples: int = PERMUTATIONS
) -> float:
    """Return the permutation p-value of the chi-square statistic of a 2×k table.

    Shuffling the group labels of the pooled answers with the margins fixed is the same as
    drawing group A's row from the multivariate hypergeometric distribution of the column
    totals, which numpy does directly (cost independent of the number of answers). The p-value
    is (1 + #{resampled statistic ≥ observed}) / (resamples + 1); the seed is fixed.
    """
    a = np.asarray(row_a, dtype=np.int64)
    b = np.asarray(row_b, dtype=np.int64)
    totals = a + b
    n = int(totals.sum())
    rng = np.random.default_rng(PERMUTATION_SEED)
    samples = rng.multivariate_hypergeometric(totals, int(a.sum()), size=resamples)
    resampled = _chi2_rows(samples.astype(float), totals.astype(float), n)
    # Ties (the same table) must count as "at least as extreme" despite float noise.
    hits = int(np.count_nonzero(resampled >= statistic - 1e-9 * max(1.0, statistic)))
    return (hits + 1) / (resamples + 1)


def _pearson(table: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Pearson's chi-square of an r×k table without continuity correction: (chi2, p, expected).

    The same as scipy.stats.chi2_contingency(table, correction=False), without its overhead
    (it is called for every gap and every option of every multiple-choice construct).
    """
    observed = table.astype(float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return chi2, float(special.chdtrc(dof, chi2)), expected


def homogeneity_test(row_a: Sequence[int], row_b: Sequence[int]) -> TestResult:
    """Test whether two groups answer alike: a 2×k table of counts, columns aligned.

    All-zero columns are dropped. When every expected count is ≥ 5: Pearson's chi-square test
    of homogeneity (as scipy.stats.chi2_contingency with correction=False). Otherwise Fisher's exact
    test (two-sided) for a 2×2 table, and a permutation test of the chi-square statistic for a
    larger one. Returns NO_TEST when a group is empty or fewer than two columns remain.
    """
    pairs = [(int(x), int(y)) for x, y in zip(row_a, row_b, strict=True) if x or y]
    if len(pairs) < 2:
        return NO_TEST
    table = np.array(pairs, dtype=np.int64).T
    n_a, n_b = (int(v) for v in table.sum(axis=1))
    if n_a == 0 or n_b == 0:
        return NO_TEST
    n = n_a + n_b
    chi2, p_chi2, expected = _pearson(table)
    min_expected = float(expected.min())
    k = table.shape[1]
    effect = math.sqrt(chi2 / (n * (min(2, k) - 1)))
    if min_expected >= MIN_EXPECTED:
        return TestResult("chi2", chi2, float(p_chi2), effect, min_expected)
    if k == 2:
        _odds, p_exact = stats.fisher_exact(table, alternative="two-sided")
        return TestResult("exact", chi2, float(p_exact), effect, min_expected)
    p_perm = permutation_p_value(table[0], table[1], chi2)
    return TestResult("permutation", chi2, p_perm, effect, min_expected)
