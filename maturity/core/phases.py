"""Placing an organisation in one of seed 004's four phases, with structured reasons.

Two things are measured separately, as seed 004 separates them (docs/methodology.md §5):

- **awareness**: does the organisation see itself as its customers see it? Employees'
  own rating and their estimate of the customers' rating are compared with what customers
  say. Either one a report mark or more *above* the customers (as shown, one decimal) is an
  overestimation: the organisation is *unaware*. Without enough customer responses awareness
  is *unknown*.
- **competence**: the scores: personal customer orientation (quiz), leadership and culture on
  0..100, and the customers' rating.

The phases:

1. ``onwetend`` (unconsciously incompetent): unaware, whatever the scores; or, without the
   mirror, scores below the klantbewust bar (nothing shows that the organisation knows).
2. ``klantgericht`` (consciously incompetent): aware (customers confirm the self-image), scores
   below the klantbewust bar.
3. ``klantbewust`` (consciously competent): the klantbewust bar (leadership, learning, skills)
   and, with the mirror, a sufficient customer rating; not unaware.
4. ``klantbekwaam`` (unconsciously competent, "in the DNA"): the klantbekwaam bar, a high
   customer rating, a self-image and an estimate within a mark of the customers' view in
   either direction, and every shown department's culture at least the klantbewust bar.
   It needs the mirror.

Every comparison is made on the value as shown (``display.shown``), so what a reader sees
always agrees with the verdict next to it.

Monotone: a profile that is at least as good never gets a lower phase, where "at least as
good" means every score and the customers' rating are at least as high, and each mirror gap is
no further from zero and no more of an overestimation (tested with hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from .display import INDEX_DIGITS, MARK_DIGITS, shown
from .profile import DIMENSIONS, Gap, GroupProfile, compute_gap
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
    Phase.KLANTGERICHT: "customer-oriented in name (consciously incompetent)",
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
    min_gap_marks: float = 1.0
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

    aware_checks = _awareness(self_gap, estimate_gap, t)
    awareness: Awareness = (
        "unknown" if not aware_checks else "unaware" if any(not c.ok for c in aware_checks) else "aware"
    )
    bewust = _competence(Phase.KLANTBEWUST, usable, t)
    bekwaam = _competence(Phase.KLANTBEKWAAM, usable, t) + _consistency(usable, self_gap, estimate_gap, departments, t)
    passed = lambda checks: all(c.ok for c in checks)  # noqa: E731

    if awareness == "unaware":
        phase = Phase.ONWETEND
        reasons = [c.reason for c in aware_checks if not c.ok]
        missing = [c.reason for c in aware_checks if not c.ok]
    elif awareness == "unknown" and not passed(bewust):
        phase = Phase.ONWETEND
        reasons = [Reason("awareness_unknown", {"min_n": t.min_responses, "has_customers": has_mirror})]
        reasons += [c.reason for c in bewust if not c.ok]
        missing = []
        if usable["mirror_self"] is None and usable["mirror_estimate"] is None:
            missing.append(Reason("dimension_missing", {"dimension": "mirror_self", "phase": Phase.KLANTGERICHT.key}))
        if not has_mirror:
            missing.append(Reason("mirror_required", {"phase": Phase.KLANTGERICHT.key, "min_n": t.min_responses}))
    elif not passed(bewust):
        phase = Phase.KLANTGERICHT
        reasons = [c.reason for c in aware_checks]
        missing = [c.reason for c in bewust if not c.ok]
    elif not passed(bekwaam):
        phase = Phase.KLANTBEWUST
        reasons = [c.reason for c in aware_checks] + [c.reason for c in bewust]
        missing = [c.reason for c in bekwaam if not c.ok]
    else:
        phase = Phase.KLANTBEKWAAM
        reasons = [c.reason for c in bekwaam]
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


def _awareness(self_gap: Gap | None, estimate_gap: Gap | None, t: PhaseThresholds) -> list[_Check]:
    """No overestimation in the employees' own rating, nor in their estimate of the customers'
    rating. Empty when there is no mirror (awareness unknown)."""
    checks = []
    for gap, internal, ok_code, bad_code in (
        (self_gap, "self", "no_overestimation", "overestimation"),
        (estimate_gap, "estimate", "estimate_no_overestimation", "estimate_overestimation"),
    ):
        if gap is None:
            continue
        over = gap.marks >= t.min_gap_marks
        checks.append(_Check(not over, Reason(bad_code if over else ok_code, _gap_params(gap, t, internal))))
    return checks


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


def _consistency(
    usable: Mapping[str, DimensionStats | None], self_gap: Gap | None, estimate_gap: Gap | None,
    departments: Mapping[str, float], t: PhaseThresholds,
) -> list[_Check]:
    """klantbekwaam's further conditions: confirmed by customers (the mirror, a self-image and
    an estimate that match their view in size) and in the culture of every shown department.

    While the customers' rating must still rise to the bar (or is not there at all), the
    self-image and estimate are judged against that target, so that meeting every stated
    requirement is enough to reach klantbekwaam."""
    phase = Phase.KLANTBEKWAAM
    customer = usable["mirror_customer"]
    checks: list[_Check] = []
    if customer is None:
        checks.append(_Check(False, Reason("mirror_required", {"phase": phase.key, "min_n": t.min_responses})))
    actual = None if customer is None else _mark(t, customer.mean)
    target = max(actual if actual is not None else t.mirror_min, t.klantbekwaam.customer_mark or t.mirror_min)
    following: dict[str, float] = {}
    for gap, dimension, internal, good in (
        (self_gap, "mirror_self", "self", "self_image_matches"),
        (estimate_gap, "mirror_estimate", "estimate", "estimate_matches"),
    ):
        stats = usable[dimension]
        if stats is None:
            checks.append(_Check(False, Reason("dimension_missing", {"dimension": dimension, "phase": phase.key})))
            continue
        own = _mark(t, stats.mean)
        difference = shown(own - target, MARK_DIGITS)
        matches_now = gap is not None and abs(gap.marks) < t.min_gap_marks
        if abs(difference) < t.min_gap_marks and (gap is None or matches_now):
            if gap is not None:
                checks.append(_Check(True, Reason(good, _gap_params(gap, t, internal))))
            if target != actual:
                following[internal] = own
            continue
        params = {internal: own, "customer": target, "gap": difference, "min_gap": t.min_gap_marks,
                  "phase": phase.key, "is_target": target != actual}
        bad = f"{'self_image' if internal == 'self' else 'estimate'}_{'above' if difference > 0 else 'below'}"
        checks.append(_Check(False, Reason(bad, params)))
    if following:
        # The customers' rating still has to rise, and may rise past the bar: a view that matches
        # at the bar must keep matching as it rises, or meeting the bar "and a little more" would
        # not be enough (own 6,1 matches 7,0 but not 7,1).
        checks.append(_Check(False, Reason("views_follow", {
            "self": following.get("self"), "estimate": following.get("estimate"), "customer": target,
            "min_gap": t.min_gap_marks, "phase": phase.key})))
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
