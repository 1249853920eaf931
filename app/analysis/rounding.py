"""Half-up rounding, the one rule every printed figure follows (docs/methodology.md).

Kept apart from app/analysis/stats.py so that the pages and the довідка can round without
importing SciPy.
"""

from __future__ import annotations

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
