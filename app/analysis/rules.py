"""Rules that more than the analysis needs, each written once (docs/methodology.md): half-up
rounding, which every printed figure follows; the difference of two printed figures, which every
printed difference is; and the positive levels of a scale, which the questionnaire loader also
stores as a scale's default ``positive`` list.

Kept apart from app/analysis/stats.py so that the pages, the довідка and the loader use them
without importing SciPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def round_half_up(value: Fraction | int | Decimal | float, places: int = 1) -> float:
    """Return ``value`` rounded half away from zero to ``places`` decimals, as a float.

    Exact: 1/16 of 100 (6.25) gives 6.3, and −6.25 gives −6.3 (a gap a−b and b−a differ in sign
    only). A float is read as the decimal it prints as, so 80.55 gives 80.6 although the binary
    float is a little below 80.55.
    """
    if isinstance(value, Fraction | int):
        # Integer arithmetic: floor(|x| × 10^places + 1/2), sign restored (no float on the way).
        exact_value = Fraction(value)
        scale: int = 10**places  # int ** int is typed Any (a negative power gives a float)
        numerator, denominator = abs(exact_value.numerator), exact_value.denominator
        units = (2 * scale * numerator + denominator) // (2 * denominator)
        return (units if exact_value >= 0 else -units) / scale
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    quantum = Decimal(1).scaleb(-places)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def positive_values(values: Sequence[int]) -> frozenset[int]:
    """Return the values that count as positive on an ordinal scale with these values.

    The two highest distinct levels of a scale with four or more levels (e.g. «У повній мірі»
    and «Здебільшого»); only the highest of a scale with two or three levels (e.g. «Так» of
    «Так / Ні»), where the top two would be the whole scale.
    """
    distinct = sorted(set(values), reverse=True)
    if not distinct:
        return frozenset()
    top = 2 if len(distinct) >= 4 else 1
    return frozenset(distinct[:top])


def subtract_printed(a: float | None, b: float | None) -> float | None:
    """Return a − b of two printed one-decimal figures, exactly (80.6 − 75.1 = 5.5)."""
    if a is None or b is None:
        return None
    return float(Decimal(str(a)) - Decimal(str(b)))
