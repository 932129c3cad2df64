"""Placing an organisation in one of seed 004's four phases, with structured reasons.

The rule (docs/methodology.md, "Phase placement"):

1. A meaningful overestimation -- employees rate the organisation clearly above what its
   customers say -- is ``onwetend`` whatever the other scores: the organisation is
   incompetent without realising it (seed 004), and a realistic self-image is the basis of
   everything else (seed 000).
2. Otherwise each next phase has a bar of minimum scores (``PhaseThresholds``); the phase is
   the highest one whose bar, and every lower bar, is met.
3. ``klantbekwaam`` ("in the DNA") must be confirmed by customers: it needs the mirror, a
   high customer rating and a self-image and estimate that match the customers' view.
   Without customer responses the phase is therefore at most ``klantbewust``.

Every condition is a minimum on something where more is better, or a maximum on an
overestimation, so a better profile never gets a lower phase (tested with hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .profile import DIMENSIONS, Gap, GroupProfile, compute_gap
from .stats import DimensionStats


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
    klantgericht: Bar = Bar(skills=30, leadership=35)
    klantbewust: Bar = Bar(skills=50, leadership=60, culture=50, customer_mark=5.5)
    klantbekwaam: Bar = Bar(skills=65, leadership=70, culture=70, customer_mark=7.0)
    #: Smallest self/estimate-minus-customer difference that counts, in report marks.
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
    #: What the next phase needs and is not there yet (empty for klantbekwaam).
    missing: tuple[Reason, ...]
    #: Findings that do not change the phase (an underestimation, a wrong estimate).
    notes: tuple[Reason, ...]
    #: What the data cannot tell (no mirror, too few responses).
    limitations: tuple[Reason, ...]
    has_mirror: bool
    self_gap: Gap | None
    estimate_gap: Gap | None


@dataclass(frozen=True, slots=True)
class _Check:
    ok: bool
    reason: Reason


def place(profile: GroupProfile, thresholds: PhaseThresholds = DEFAULT) -> Placement:
    """The phase of one group, with reasons, what the next phase needs and what is unknown."""
    t = thresholds
    usable = {d: _usable(profile.get(d), t) for d in DIMENSIONS}
    customer = usable["mirror_customer"]
    has_mirror = customer is not None

    self_gap = estimate_gap = None
    if customer is not None:
        if usable["mirror_self"] is not None:
            self_gap = compute_gap(usable["mirror_self"], customer, kind="self_vs_customer", min_practical=t.min_gap_index)
        if usable["mirror_estimate"] is not None:
            estimate_gap = compute_gap(
                usable["mirror_estimate"], customer, kind="estimate_vs_customer", min_practical=t.min_gap_index
            )

    phase = Phase.ONWETEND
    reasons: list[Reason] = []
    missing: list[Reason] = []
    for candidate in (Phase.KLANTGERICHT, Phase.KLANTBEWUST, Phase.KLANTBEKWAAM):
        checks = _checks(candidate, usable, self_gap, estimate_gap, t)
        failed = [c.reason for c in checks if not c.ok]
        if failed:
            missing = failed
            if phase is Phase.ONWETEND:
                reasons = failed
            break
        phase = candidate
        # Keep the self-image verdict from klantgericht; otherwise the highest bar met says it all.
        kept = [r for r in reasons if r.code == "no_overestimation"]
        reasons = kept + [c.reason for c in checks]

    return Placement(
        phase=phase,
        reasons=tuple(reasons),
        next_phase=phase.next,
        missing=tuple(missing) if phase.next is not None else (),
        notes=tuple(_notes(self_gap, estimate_gap, t)),
        limitations=tuple(_limitations(profile, usable, t)),
        has_mirror=has_mirror,
        self_gap=self_gap,
        estimate_gap=estimate_gap,
    )


# ---------------------------------------------------------------------------------------------


def _usable(stats: DimensionStats | None, t: PhaseThresholds) -> DimensionStats | None:
    return stats if stats is not None and stats.n >= t.min_responses else None


def _mirror_params(gap: Gap, t: PhaseThresholds, internal: str) -> dict[str, Any]:
    scale = (t.mirror_max - t.mirror_min) / 100.0
    return {
        internal: t.index_to_mark(gap.internal),
        "customer": t.index_to_mark(gap.customer),
        "gap": gap.value * scale,
        "margin": None if gap.margin is None else gap.margin * scale,
        "min_gap": t.min_gap_marks,
    }


def _checks(
    phase: Phase,
    usable: Mapping[str, DimensionStats | None],
    self_gap: Gap | None,
    estimate_gap: Gap | None,
    t: PhaseThresholds,
) -> list[_Check]:
    checks: list[_Check] = []
    bar = t.bar(phase)
    customer = usable["mirror_customer"]

    if phase is Phase.KLANTGERICHT and self_gap is not None:
        overestimated = self_gap.is_meaningful and self_gap.direction == "above"
        code = "overestimation" if overestimated else "no_overestimation"
        checks.append(_Check(not overestimated, Reason(code, _mirror_params(self_gap, t, "self"))))

    for dimension in ("skills", "leadership", "culture"):
        needed = getattr(bar, dimension)
        if needed is None:
            continue
        stats = usable[dimension]
        if stats is None:
            checks.append(_Check(False, Reason("dimension_missing", {"dimension": dimension, "phase": phase.key})))
            continue
        ok = stats.mean >= needed
        params = {"dimension": dimension, "value": stats.mean, "needed": float(needed), "phase": phase.key}
        checks.append(_Check(ok, Reason("dimension_meets" if ok else "dimension_below", params)))

    if phase is Phase.KLANTBEKWAAM and customer is None:
        # "In the DNA" is a claim only customers can confirm.
        checks.append(_Check(False, Reason("mirror_required", {"phase": phase.key, "min_n": t.min_responses})))
    if bar.customer_mark is not None and customer is not None:
        ok = customer.mean >= t.mark_to_index(bar.customer_mark)
        params = {"value": t.index_to_mark(customer.mean), "needed": bar.customer_mark, "phase": phase.key}
        checks.append(_Check(ok, Reason("customer_meets" if ok else "customer_below", params)))

    if phase is Phase.KLANTBEKWAAM and customer is not None:
        for gap, dimension, internal, good, bad in (
            (self_gap, "mirror_self", "self", "self_image_matches", "self_image_above"),
            (estimate_gap, "mirror_estimate", "estimate", "estimate_matches", "estimate_above"),
        ):
            if gap is None:
                checks.append(_Check(False, Reason("dimension_missing", {"dimension": dimension, "phase": phase.key})))
                continue
            # The point estimate itself must be small: "not proven" is not "matches".
            ok = gap.value < t.min_gap_index
            params = _mirror_params(gap, t, internal) | {"phase": phase.key}
            checks.append(_Check(ok, Reason(good if ok else bad, params)))
    return checks


def _notes(self_gap: Gap | None, estimate_gap: Gap | None, t: PhaseThresholds) -> list[Reason]:
    notes = []
    if self_gap is not None and self_gap.is_meaningful and self_gap.direction == "below":
        notes.append(Reason("underestimation", _mirror_params(self_gap, t, "self")))
    if estimate_gap is not None and estimate_gap.is_meaningful:
        code = "estimate_too_high" if estimate_gap.direction == "above" else "estimate_too_low"
        notes.append(Reason(code, _mirror_params(estimate_gap, t, "estimate")))
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
