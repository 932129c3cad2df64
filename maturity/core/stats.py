"""Summary statistics the web layer computes in SQL, and the little statistics built on them.

Group functions in the core never see raw rows: they take ``DimensionStats`` (n, mean, sd),
which SQL gives directly (``count``, ``avg``, ``stddev_samp``) or via ``DimensionStats.from_sums``
(``count``, ``sum(x)``, ``sum(x*x)``) on databases without a standard-deviation function.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DimensionStats:
    """n, mean and *sample* standard deviation (n - 1 denominator) of one score in one group."""

    n: int
    mean: float
    sd: float

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be a positive whole number, got {self.n!r}")
        if not math.isfinite(self.mean):
            raise ValueError(f"mean must be finite, got {self.mean!r}")
        if not math.isfinite(self.sd) or self.sd < 0:
            raise ValueError(f"sd must be finite and >= 0, got {self.sd!r}")

    @classmethod
    def from_sums(cls, n: int, total: float, total_of_squares: float) -> DimensionStats:
        """Build from SQL ``count(x)``, ``sum(x)`` and ``sum(x * x)``."""
        if n < 1:
            raise ValueError("n must be positive")
        mean = total / n
        if n == 1:
            return cls(1, mean, 0.0)
        # Rounding can make the sum of squared deviations a hair below zero.
        squared_deviations = max(0.0, total_of_squares - n * mean * mean)
        return cls(n, mean, math.sqrt(squared_deviations / (n - 1)))

    @property
    def standard_error(self) -> float | None:
        return self.sd / math.sqrt(self.n) if self.n >= 2 else None


def describe(values: Iterable[float | None]) -> DimensionStats | None:
    """DimensionStats of the values that are not None; None when there are none."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    n = len(present)
    mean = math.fsum(present) / n
    if n == 1:
        return DimensionStats(1, mean, 0.0)
    variance = math.fsum((v - mean) ** 2 for v in present) / (n - 1)
    return DimensionStats(n, mean, math.sqrt(variance))


def welch_standard_error(a: DimensionStats, b: DimensionStats) -> float | None:
    """Standard error of a.mean - b.mean without assuming equal variances; None if n < 2."""
    if a.n < 2 or b.n < 2:
        return None
    return math.sqrt(a.sd**2 / a.n + b.sd**2 / b.n)


def welch_df(a: DimensionStats, b: DimensionStats) -> float | None:
    """Welch–Satterthwaite degrees of freedom; None when undefined (n < 2 or both sd 0)."""
    if a.n < 2 or b.n < 2:
        return None
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    denominator = va**2 / (a.n - 1) + vb**2 / (b.n - 1)
    if denominator == 0:
        return None
    return (va + vb) ** 2 / denominator


Z_975 = 1.959964


def t_critical_95(df: float | None) -> float:
    """Two-sided 95 % critical value of Student's t with ``df`` degrees of freedom, exact for
    any real df (Welch's df is rarely whole); the normal value when df is None or infinite."""
    if df is None or math.isinf(df):
        return Z_975
    from scipy.special import stdtrit  # the inverse of Student's t distribution

    return float(stdtrit(max(df, 1e-6), 0.975))


def cronbach_alpha(matrix: Sequence[Sequence[float | None]]) -> float | None:
    """Cronbach's alpha of a respondents x items matrix.

    Respondents with any missing answer (None, e.g. "weet ik niet") are left out (listwise
    deletion), so every item variance and the total variance rest on the same people.
    Reverse-keyed items must already be flipped. Returns None when alpha is undefined:
    fewer than 2 items, fewer than 2 complete respondents, or no variance in the totals.
    """
    rows = [list(row) for row in matrix]
    if not rows:
        return None
    k = len(rows[0])
    if any(len(row) != k for row in rows):
        raise ValueError("every respondent needs a value (or None) for every item")
    complete = [[float(v) for v in row] for row in rows if all(v is not None for v in row)]
    if k < 2 or len(complete) < 2:
        return None

    def variance(values: Sequence[float]) -> float:
        mean = math.fsum(values) / len(values)
        return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)

    item_variances = math.fsum(variance([row[i] for row in complete]) for i in range(k))
    total_variance = variance([math.fsum(row) for row in complete])
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - item_variances / total_variance)
