"""A group's summary statistics per dimension, and the mirror gaps between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .display import MARK_DIGITS, shown_difference
from .scoring import CustomerScores, ResponseScores, describe_scores
from .stats import DimensionStats, t_critical_95, welch_df, welch_standard_error

DIMENSIONS = ("skills", "leadership", "culture", "mirror_self", "mirror_estimate", "mirror_customer")

#: The smallest difference between employees' and customers' ratings that counts, in report
#: marks as shown: one mark. The phase rule (an overestimation, an underestimation), the mirror
#: topics marked in the results and the plan's topics all use this one constant.
MIN_GAP_MARKS = 1.0
#: The same gap on the 1..10 mirror scale, in index points (100 / 9). A smaller gap is not
#: worth acting on however certain it is.
MIN_PRACTICAL_GAP = MIN_GAP_MARKS * 100.0 / 9.0


@dataclass(frozen=True, slots=True)
class GroupProfile:
    """What the web layer's SQL gives for one group (organisation, department) in one round."""

    skills: DimensionStats | None = None
    leadership: DimensionStats | None = None
    culture: DimensionStats | None = None
    mirror_self: DimensionStats | None = None
    mirror_estimate: DimensionStats | None = None
    mirror_customer: DimensionStats | None = None

    def get(self, dimension: str) -> DimensionStats | None:
        if dimension not in DIMENSIONS:
            raise KeyError(dimension)
        return getattr(self, dimension)

    @classmethod
    def from_scores(
        cls, responses: Sequence[ResponseScores], customers: Sequence[CustomerScores] = ()
    ) -> GroupProfile:
        """Build from scored responses (tests, demos); production aggregates in SQL instead."""
        return cls(**describe_scores(responses, customers))


GapKind = Literal["self_vs_customer", "estimate_vs_customer"]
GapDirection = Literal["above", "below", "equal"]
GapWhy = Literal["meaningful", "below_practical_minimum"]

#: The mirror scale (report marks), for gaps as they are shown.
MARK_MIN, MARK_MAX = 1, 10


def to_mark(index: float) -> float:
    return MARK_MIN + index / 100.0 * (MARK_MAX - MARK_MIN)


@dataclass(frozen=True, slots=True)
class Gap:
    """Internal view minus the customers' view, in the units of the stats (index points).

    ``direction`` "above" means employees rate (or expect) higher than customers do.
    ``marks`` is the gap as a reader sees it: both sides as report marks with one decimal,
    then subtracted. A gap is meaningful when ``marks`` is at least the practical minimum (one
    report mark), in either direction. The 95 % margin of uncertainty (Welch's t times the
    Welch standard error) is reported beside it but does not decide: a polarised customer group
    widens the margin and would otherwise let a large overestimation pass unnoticed, and the
    round's minimum group size already keeps tiny groups out (docs/methodology.md).
    """

    kind: GapKind
    internal: float
    customer: float
    value: float
    marks: float
    direction: GapDirection
    standard_error: float | None
    margin: float | None
    min_practical: float
    is_meaningful: bool
    why: GapWhy


def compute_gap(
    internal: DimensionStats,
    customer: DimensionStats,
    *,
    kind: GapKind = "self_vs_customer",
    min_practical: float = MIN_PRACTICAL_GAP,
) -> Gap:
    value = internal.mean - customer.mean
    marks = shown_difference(to_mark(internal.mean), to_mark(customer.mean), MARK_DIGITS)
    direction: GapDirection = "above" if marks > 0 else "below" if marks < 0 else "equal"
    se = welch_standard_error(internal, customer)
    margin = None if se is None else t_critical_95(welch_df(internal, customer)) * se
    min_marks = shown_difference(to_mark(min_practical), to_mark(0), MARK_DIGITS)
    why: GapWhy = "meaningful" if abs(marks) >= min_marks else "below_practical_minimum"
    return Gap(
        kind=kind,
        internal=internal.mean,
        customer=customer.mean,
        value=value,
        marks=marks,
        direction=direction,
        standard_error=se,
        margin=margin,
        min_practical=min_practical,
        is_meaningful=why == "meaningful",
        why=why,
    )


def profile_gaps(profile: GroupProfile, min_practical: float = MIN_PRACTICAL_GAP) -> tuple[Gap | None, Gap | None]:
    """(self vs customer, estimate vs customer); None where a side is missing."""
    customer = profile.mirror_customer
    if customer is None:
        return None, None
    self_gap = (
        compute_gap(profile.mirror_self, customer, kind="self_vs_customer", min_practical=min_practical)
        if profile.mirror_self is not None
        else None
    )
    estimate_gap = (
        compute_gap(profile.mirror_estimate, customer, kind="estimate_vs_customer", min_practical=min_practical)
        if profile.mirror_estimate is not None
        else None
    )
    return self_gap, estimate_gap
