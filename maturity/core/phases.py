"""Placing an organisation in one of seed 004's four phases, with structured reasons.

Seed 004 is the four stages of learning: a 2×2 of aware/unaware and competent/incompetent. The
rule measures the two axes separately (docs/methodology.md §5):

- **competence**: the scores (personal customer orientation from the quiz, leadership and
  culture on 0..100) and, above all, the customers' rating: two bars, klantbewust's and
  klantbekwaam's.
- **awareness**: does the organisation see the shortfall customers see? Employees' own rating
  or their estimate of the customers' rating a report mark or more *above* the customers' (as
  shown) **while customers find it lacking** (below klantbekwaam's customers' bar, "good") is
  *unaware*. Without customers, employees' own rating is held against what their own answers on
  leadership and culture come to; awareness that nothing measured is *unknown*, not unaware.

The phases:

1. ``onwetend`` (onbewust onbekwaam): unaware.
2. ``klantgericht`` (bewust onbekwaam): not unaware, below the klantbewust bar. When awareness
   could not be confirmed (no customers), it says so.
3. ``klantbewust`` (bewust bekwaam): the klantbewust bar (leadership, a learning culture,
   skills, and customers who give at least a pass), not unaware.
4. ``klantbekwaam`` (onbewust bekwaam, "in the DNA"): the klantbekwaam bar, confirmed by
   customers (the mirror, their rating "good"), and every shown department's culture at least
   the klantbewust bar. An underestimation does not count against it: competence customers
   confirm and employees underrate is the unconscious competence of the seed.

Every comparison is made on the value as shown (``display.shown``), so what a reader sees
always agrees with the verdict next to it.

Monotone: a profile that is at least as good never gets a lower phase, where "at least as
good" means every score and the customers' rating are at least as high and no view is more of
an overestimation (tested with hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from .display import INDEX_DIGITS, MARK_DIGITS, shown, shown_difference
from .profile import DIMENSIONS, MIN_GAP_MARKS, Gap, GroupProfile, compute_gap
from .stats import DimensionStats, t_critical_95


class Phase(IntEnum):
    """Ordered: a higher value is a more mature phase. Names are Dutch in every language."""

    ONWETEND = 1
    KLANTGERICHT = 2
    KLANTBEWUST = 3
    KLANTBEKWAAM = 4

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Phase:
        return cls[key.upper()]

    @property
    def next(self) -> Phase | None:
        return Phase(self + 1) if self < Phase.KLANTBEKWAAM else None


#: English glosses for documentation and logs; translated glosses are in ``explain.phase_gloss``.
PHASE_GLOSS = {
    Phase.ONWETEND: "unaware (unconsciously incompetent)",
    Phase.KLANTGERICHT: "consciously incompetent (sees what is missing)",
    Phase.KLANTBEWUST: "customer-aware (consciously competent)",
    Phase.KLANTBEKWAAM: "customer-competent (unconsciously competent)",
}

Awareness = Literal["aware", "unaware", "unknown"]


@dataclass(frozen=True, slots=True)
class Bar:
    """Minimum scores to enter a phase; None means "not required for this phase".

    ``skills``, ``leadership`` and ``culture`` are on the 0..100 index; ``customer_mark`` is
    on the mirror scale (a report mark) because that is how directors read it.
    """

    skills: float | None = None
    leadership: float | None = None
    culture: float | None = None
    customer_mark: float | None = None


@dataclass(frozen=True, slots=True)
class PhaseThresholds:
    #: klantgericht rests on awareness alone (seed 004: consciously incompetent).
    klantgericht: Bar = Bar()
    klantbewust: Bar = Bar(skills=50, leadership=60, culture=50, customer_mark=5.5)
    klantbekwaam: Bar = Bar(skills=65, leadership=70, culture=70, customer_mark=7.0)
    #: Smallest self/estimate-minus-customer difference that counts, in report marks, as shown.
    min_gap_marks: float = MIN_GAP_MARKS
    #: A dimension resting on fewer responses is treated as missing (the privacy minimum).
    min_responses: int = 5
    #: The mirror scale, to show customer numbers as report marks.
    mirror_min: int = 1
    mirror_max: int = 10

    def __post_init__(self) -> None:
        bars = (self.klantgericht, self.klantbewust, self.klantbekwaam)
        for name in ("skills", "leadership", "culture", "customer_mark"):
            values = [getattr(bar, name) for bar in bars if getattr(bar, name) is not None]
            if values != sorted(values):
                raise ValueError(f"thresholds for {name} must not decrease from phase to phase")
        if self.min_gap_marks <= 0 or self.min_responses < 1 or self.mirror_min >= self.mirror_max:
            raise ValueError("invalid gap, minimum responses or mirror scale")

    def bar(self, phase: Phase) -> Bar:
        if phase is Phase.ONWETEND:
            return Bar()
        return getattr(self, phase.key)

    def mark_to_index(self, mark: float) -> float:
        return (mark - self.mirror_min) / (self.mirror_max - self.mirror_min) * 100.0

    def index_to_mark(self, index: float) -> float:
        return self.mirror_min + index / 100.0 * (self.mirror_max - self.mirror_min)

    @property
    def min_gap_index(self) -> float:
        return self.min_gap_marks / (self.mirror_max - self.mirror_min) * 100.0


DEFAULT = PhaseThresholds()


@dataclass(frozen=True, slots=True)
class Reason:
    """A structured, translatable fact: ``code`` selects the sentence, ``params`` fill it.

    Numbers in params are raw: indices on 0..100 (``value``, ``needed``) or report marks
    (``self``, ``estimate``, ``customer``, ``gap``, ``margin``, ``min_gap``); ``phase`` and
    ``dimension`` are keys.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Placement:
    phase: Phase
    #: Why this phase: the requirements it meets, or for onwetend what is wrong.
    reasons: tuple[Reason, ...]
    next_phase: Phase | None
    #: What the next phase needs and is not there yet (empty for klantbekwaam). Together they
    #: are sufficient: with all of them met, the organisation is placed in ``next_phase``.
    missing: tuple[Reason, ...]
    #: Findings that do not change the phase (an underestimation, a too modest estimate).
    notes: tuple[Reason, ...]
    #: What the data cannot tell (no mirror, too few responses).
    limitations: tuple[Reason, ...]
    has_mirror: bool
    self_gap: Gap | None
    estimate_gap: Gap | None
    awareness: Awareness = "unknown"


@dataclass(frozen=True, slots=True)
class _Check:
    ok: bool
    reason: Reason


def place(
    profile: GroupProfile,
    thresholds: PhaseThresholds = DEFAULT,
    departments: Mapping[str, float] | None = None,
) -> Placement:
    """The phase of one group, with reasons, what the next phase needs and what is unknown.

    ``departments`` maps each *shown* department to its culture index, for klantbekwaam's
    consistency across departments (hidden departments are not passed, so none is exposed)."""
    t = thresholds
    departments = departments or {}
    usable = {d: _usable(profile.get(d), t) for d in DIMENSIONS}
    customer = usable["mirror_customer"]
    has_mirror = customer is not None
    self_gap = estimate_gap = None
    if customer is not None:
        if usable["mirror_self"] is not None:
            self_gap = compute_gap(usable["mirror_self"], customer, kind="self_vs_customer", min_practical=t.min_gap_index)
        if usable["mirror_estimate"] is not None:
            estimate_gap = compute_gap(
                usable["mirror_estimate"], customer, kind="estimate_vs_customer", min_practical=t.min_gap_index)

    customer_mark = None if customer is None else _mark(t, customer.mean)
    if has_mirror:
        aware_checks = _awareness(self_gap, estimate_gap, customer_mark, t)
    else:
        aware_checks = _awareness_from_answers(usable, t)
    failed = [c for c in aware_checks if not c.ok]
    awareness: Awareness = "unaware" if failed else "aware" if has_mirror and aware_checks else "unknown"
    bewust = _competence(Phase.KLANTBEWUST, usable, t)
    bekwaam = _competence(Phase.KLANTBEKWAAM, usable, t) + _confirmed(has_mirror, departments, t)
    passed = lambda checks: all(c.ok for c in checks)  # noqa: E731

    if awareness == "unaware":
        phase = Phase.ONWETEND
        reasons = [c.reason for c in failed]
        missing = [c.reason for c in failed]
    elif not passed(bewust):
        phase = Phase.KLANTGERICHT
        reasons = [c.reason for c in aware_checks]
        if awareness == "unknown":
            # Not measured is not unaware: placed by what is measured, and said to be unconfirmed.
            reasons.append(Reason("awareness_not_confirmed", {
                "min_n": t.min_responses, "has_customers": has_mirror, "has_answers": bool(aware_checks)}))
        missing = [c.reason for c in bewust if not c.ok]
    elif not passed(bekwaam):
        phase = Phase.KLANTBEWUST
        reasons = [c.reason for c in aware_checks] + [c.reason for c in bewust]
        missing = [c.reason for c in bekwaam if not c.ok]
    else:
        phase = Phase.KLANTBEKWAAM
        reasons = [c.reason for c in aware_checks if c.reason.code == "overestimation_while_good"]
        reasons += [c.reason for c in bekwaam]
        missing = []

    return Placement(
        phase=phase,
        reasons=tuple(reasons),
        next_phase=phase.next,
        missing=tuple(missing),
        notes=tuple(_notes(self_gap, estimate_gap, t)),
        limitations=tuple(_limitations(profile, usable, t)),
        has_mirror=has_mirror,
        self_gap=self_gap,
        estimate_gap=estimate_gap,
        awareness=awareness,
    )


# ---------------------------------------------------------------------------------------------


def _usable(stats: DimensionStats | None, t: PhaseThresholds) -> DimensionStats | None:
    return stats if stats is not None and stats.n >= t.min_responses else None


def _mark(t: PhaseThresholds, index: float) -> float:
    return shown(t.index_to_mark(index), MARK_DIGITS)


def _gap_params(gap: Gap, t: PhaseThresholds, internal: str) -> dict[str, Any]:
    """The two marks and their difference exactly as shown; the margin for information."""
    scale = (t.mirror_max - t.mirror_min) / 100.0
    return {
        internal: _mark(t, gap.internal),
        "customer": _mark(t, gap.customer),
        "gap": gap.marks,
        "margin": None if gap.margin is None else shown(gap.margin * scale, MARK_DIGITS),
        "min_gap": t.min_gap_marks,
    }


def _awareness(self_gap: Gap | None, estimate_gap: Gap | None, customer_mark: float, t: PhaseThresholds) -> list[_Check]:
    """Seed 004's *onbewust onbekwaam*: employees rate the organisation (or expect customers to
    rate it) a mark or more above what customers give, **while customers find it lacking**
    (below klantbekwaam's customers' bar, "good"). Customers who rate it good confirm its
    competence: an organisation they give 8,4 is not unaware of a shortfall because employees
    give 9,5. Empty when employees gave neither view."""
    lacking = customer_mark < (t.klantbekwaam.customer_mark or t.mirror_max)
    checks = []
    for gap, internal, ok_code, bad_code in (
        (self_gap, "self", "no_overestimation", "overestimation"),
        (estimate_gap, "estimate", "estimate_no_overestimation", "estimate_overestimation"),
    ):
        if gap is None:
            continue
        params = _gap_params(gap, t, internal)
        over = gap.marks >= t.min_gap_marks
        if over and lacking:
            checks.append(_Check(False, Reason(bad_code, {**params, "good": t.klantbekwaam.customer_mark})))
        elif over:
            checks.append(_Check(True, Reason("overestimation_while_good", {
                **params, "view": internal, "good": t.klantbekwaam.customer_mark})))
        else:
            checks.append(_Check(True, Reason(ok_code, params)))
    return checks


def _awareness_from_answers(usable: Mapping[str, DimensionStats | None], t: PhaseThresholds) -> list[_Check]:
    """Without customers: do employees see the gaps their own answers show? Their rating of the
    organisation (a mark) against what their own answers on leadership and culture come to (the
    mean of the two indices, as a mark). A mark or more above it is not seeing one's own gaps:
    unaware, as surely as against customers. Empty when either side is missing."""
    own, leadership, culture = usable["mirror_self"], usable["leadership"], usable["culture"]
    if own is None or leadership is None or culture is None:
        return []
    answers_index = (shown(leadership.mean, INDEX_DIGITS) + shown(culture.mean, INDEX_DIGITS)) / 2
    params = {"self": _mark(t, own.mean), "answers": _mark(t, answers_index), "min_gap": t.min_gap_marks}
    params["gap"] = shown_difference(params["self"], params["answers"], MARK_DIGITS)
    over = params["gap"] >= t.min_gap_marks
    return [_Check(not over, Reason("self_above_answers" if over else "self_fits_answers", params))]


def _competence(phase: Phase, usable: Mapping[str, DimensionStats | None], t: PhaseThresholds) -> list[_Check]:
    checks: list[_Check] = []
    bar = t.bar(phase)
    for dimension in ("skills", "leadership", "culture"):
        needed = getattr(bar, dimension)
        if needed is None:
            continue
        stats = usable[dimension]
        if stats is None:
            checks.append(_Check(False, Reason("dimension_missing", {"dimension": dimension, "phase": phase.key})))
            continue
        value = shown(stats.mean, INDEX_DIGITS)
        ok = value >= needed
        margin = _margin(stats, 1.0, INDEX_DIGITS)
        params = {"dimension": dimension, "value": value, "needed": float(needed), "phase": phase.key,
                  "margin": margin, "near": margin is not None and abs(value - needed) <= margin}
        checks.append(_Check(ok, Reason("dimension_meets" if ok else "dimension_below", params)))
    customer = usable["mirror_customer"]
    if bar.customer_mark is not None and customer is not None:
        value = _mark(t, customer.mean)
        ok = value >= bar.customer_mark
        margin = _margin(customer, (t.mirror_max - t.mirror_min) / 100.0, MARK_DIGITS)
        params = {"value": value, "needed": bar.customer_mark, "phase": phase.key, "margin": margin,
                  "near": margin is not None and abs(shown(value - bar.customer_mark, MARK_DIGITS)) <= margin}
        checks.append(_Check(ok, Reason("customer_meets" if ok else "customer_below", params)))
    return checks


def _margin(stats: DimensionStats, scale: float, digits: int) -> float | None:
    """The 95 % margin of uncertainty of a group's mean (Student's t with n − 1 degrees of
    freedom times the standard error), in the unit shown and rounded as shown: a bar within it
    is met or missed by chance as much as by the organisation."""
    if stats.standard_error is None:
        return None
    return shown(t_critical_95(stats.n - 1) * stats.standard_error * scale, digits)


def _confirmed(has_mirror: bool, departments: Mapping[str, float], t: PhaseThresholds) -> list[_Check]:
    """klantbekwaam's further conditions (seed 004's *onbewust bekwaam*): customers confirm it
    (the mirror, with their rating at klantbekwaam's bar in ``_competence``) and customer
    orientation is in the culture of every shown department. How far employees' own view lies
    from the customers' does not count against it: competence that customers confirm and that
    employees underrate, or rate even higher, is unconscious competence."""
    checks: list[_Check] = []
    if not has_mirror:
        checks.append(_Check(False, Reason("mirror_required", {"phase": Phase.KLANTBEKWAAM.key, "min_n": t.min_responses})))
    return checks + _department_checks(departments, t)


def _department_checks(departments: Mapping[str, float], t: PhaseThresholds) -> list[_Check]:
    needed = t.klantbewust.culture
    if not departments or needed is None:
        return []
    low = {name: shown(v, INDEX_DIGITS) for name, v in departments.items() if shown(v, INDEX_DIGITS) < needed}
    if not low:
        lowest = min(shown(v, INDEX_DIGITS) for v in departments.values())
        return [_Check(True, Reason("departments_consistent", {"lowest": lowest, "needed": float(needed),
                                                                 "count": len(departments)}))]
    return [_Check(False, Reason("department_below", {"department": name, "value": value, "needed": float(needed),
                                                       "phase": Phase.KLANTBEKWAAM.key}))
            for name, value in sorted(low.items())]


def _notes(self_gap: Gap | None, estimate_gap: Gap | None, t: PhaseThresholds) -> list[Reason]:
    notes = []
    if self_gap is not None and self_gap.marks <= -t.min_gap_marks:
        notes.append(Reason("underestimation", _gap_params(self_gap, t, "self")))
    if estimate_gap is not None and estimate_gap.marks <= -t.min_gap_marks:
        notes.append(Reason("estimate_too_low", _gap_params(estimate_gap, t, "estimate")))
    return notes


def _limitations(
    profile: GroupProfile, usable: Mapping[str, DimensionStats | None], t: PhaseThresholds
) -> list[Reason]:
    limitations = []
    customer = profile.mirror_customer
    if usable["mirror_customer"] is None:
        limitations.append(
            Reason(
                "mirror_missing",
                {"n": 0 if customer is None else customer.n, "min_n": t.min_responses, "cap": Phase.KLANTBEWUST.key},
            )
        )
    elif usable["mirror_self"] is None:
        limitations.append(Reason("self_image_missing"))
    for dimension in DIMENSIONS[:-1]:
        stats = profile.get(dimension)
        if stats is not None and usable[dimension] is None:
            limitations.append(
                Reason("too_few_responses", {"dimension": dimension, "n": stats.n, "min_n": t.min_responses})
            )
    return limitations
