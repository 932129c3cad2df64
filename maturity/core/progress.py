"""Change between two rounds, and whether it is larger than the noise. Pure.

A change is marked only when it is at least a practical minimum AND larger than its 95 %
margin of uncertainty (Welch's t times the Welch standard error of the two means), so a
small group's random swing is not reported as progress (docs/methodology.md, "Progress").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .display import shown, shown_difference
from .stats import DimensionStats, t_critical_95, welch_df, welch_standard_error

#: On the 0..100 index scale: 5 points (0.2 on a 1–5 scale, 0.45 of a report mark).
MIN_PRACTICAL_CHANGE = 5.0


@dataclass(frozen=True, slots=True)
class Change:
    previous: float
    current: float
    #: current − previous on the 0..100 index (the statistics' unit).
    value: float
    margin: float | None
    is_meaningful: bool
    #: The change as the reader sees it: both sides as shown in the display unit, subtracted.
    shown: float = 0.0
    digits: int = 0

    @property
    def direction(self) -> str:
        """Better or worse: every index is oriented so that higher is better for customers."""
        return "up" if self.shown > 0 else "down" if self.shown < 0 else "equal"


def _identity(value: float) -> float:
    return value


def change(previous: DimensionStats | None, current: DimensionStats | None,
           min_practical: float = MIN_PRACTICAL_CHANGE, *,
           display: Callable[[float], float] = _identity, digits: int = 0) -> Change | None:
    """The change between two means on the 0..100 index. ``display`` turns an index value into
    the unit the reader sees (the index itself, or a statement's 1–5 mean) and ``digits`` is how
    it is rounded there: the practical minimum is judged on the change *as shown*, so a row that
    reads "5" is never called noise for being 4.6 underneath; the margin of uncertainty is
    statistics and is judged on the exact change."""
    if previous is None or current is None:
        return None
    value = current.mean - previous.mean
    shown_value = shown_difference(display(current.mean), display(previous.mean), digits)
    minimum = shown(abs(display(min_practical) - display(0.0)), digits)
    se = welch_standard_error(current, previous)
    margin = None if se is None else t_critical_95(welch_df(current, previous)) * se
    meaningful = margin is not None and abs(shown_value) >= minimum and abs(value) > margin
    return Change(previous.mean, current.mean, value, margin, meaningful, shown_value, digits)


def shared_keys(previous: Sequence[str], current: Sequence[str]) -> list[str]:
    """Items two instrument versions have in common, in the current order."""
    earlier = set(previous)
    return [key for key in current if key in earlier]


@dataclass(frozen=True, slots=True)
class Benchmark:
    mean: float
    organisations: int
    #: The day the comparison was taken (it moves in steps, not with every publication).
    as_of: date | None = None


def benchmark(means_of_others: Mapping[int, float], minimum: int = 5) -> Benchmark | None:
    """The average of other organisations' means, only when at least ``minimum`` contribute
    (so that no single client's figure can be read from it)."""
    values = list(means_of_others.values())
    if len(values) < minimum:
        return None
    return Benchmark(sum(values) / len(values), len(values))
