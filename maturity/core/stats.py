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
    from scipy.special import stdtrit  # lazy for cost (scipy loads slowly); the inverse of Student's t

    return float(stdtrit(max(df, 1e-6), 0.975))


#: Cronbach's alpha is reported from this many respondents on, everywhere (SQL, this function,
#: the pages): on a handful of people it swings wildly (−3.2 on six has been seen) and says
#: nothing about the scale.
MIN_ALPHA_RESPONDENTS = 10


def alpha_rows(matrix: Sequence[Sequence[float | None]], min_answered_share: float) -> list[list[float]]:
    """The respondents alpha is computed on, with "weet ik niet" filled in.

    A respondent counts when they answered at least ``min_answered_share`` of the items (the
    rule that also decides whether they get an index at all); each missing answer is replaced by
    their own mean over the items they did answer (person-mean substitution). Listwise deletion
    would drop everyone with a single "weet ik niet" — at 10 % "weet ik niet" per item that
    keeps fewer than a quarter of the respondents of a 9-item scale."""
    rows = [list(row) for row in matrix]
    if not rows:
        return []
    k = len(rows[0])
    if any(len(row) != k for row in rows):
        raise ValueError("every respondent needs a value (or None) for every item")
    needed = max(1, math.ceil(k * min_answered_share))
    filled = []
    for row in rows:
        answered = [float(v) for v in row if v is not None]
        if len(answered) < needed:
            continue
        mean = math.fsum(answered) / len(answered)
        filled.append([mean if v is None else float(v) for v in row])
    return filled


def cronbach_alpha(matrix: Sequence[Sequence[float | None]], *, min_answered_share: float = 1.0,
                   min_respondents: int = MIN_ALPHA_RESPONDENTS) -> float | None:
    """Cronbach's alpha of a respondents x items matrix (reverse-keyed items already flipped).

    Missing answers (None, "weet ik niet") are handled by ``alpha_rows``; with the default share
    of 1.0 only complete respondents count. Returns None when alpha is undefined or not worth
    reporting: fewer than 2 items, fewer than ``min_respondents`` respondents, or no variance in
    the totals. Alpha = k/(k−1) · (1 − Σ var(item) / var(total))."""
    rows = alpha_rows(matrix, min_answered_share)
    k = len(rows[0]) if rows else 0
    if k < 2 or len(rows) < max(2, min_respondents):
        return None

    def variance(values: Sequence[float]) -> float:
        mean = math.fsum(values) / len(values)
        return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)

    item_variances = math.fsum(variance([row[i] for row in rows]) for i in range(k))
    total_variance = variance([math.fsum(row) for row in rows])
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - item_variances / total_variance)
