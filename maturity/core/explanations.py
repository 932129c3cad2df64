"""Plain-language sentences for a Placement, in whatever language ``_`` translates to.

The web layer passes Flask-Babel's ``gettext`` as ``_``; pybabel extracts every ``_("...")``
literal below, so the msgids are English sentences with ``%(name)s`` placeholders. Numbers are
formatted by ``number`` (pass Babel's ``format_decimal`` for a Dutch decimal comma).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .phases import Phase, Placement, Reason

Gettext = Callable[[str], str]
NumberFormat = Callable[[float, int], str]


def format_number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def phase_name(phase: Phase) -> str:
    """The Dutch term, used untranslated in every language (it is the model's vocabulary)."""
    return phase.key


def phase_gloss(phase: Phase, _: Gettext) -> str:
    if phase is Phase.ONWETEND:
        return _("unaware: unconsciously incompetent")
    if phase is Phase.KLANTGERICHT:
        return _("customer-oriented in name: consciously incompetent")
    if phase is Phase.KLANTBEWUST:
        return _("customer-aware: consciously competent")
    return _("customer-competent: unconsciously competent")


def dimension_label(dimension: str, _: Gettext) -> str:
    labels = {
        "skills": _("Personal customer orientation (quiz)"),
        "leadership": _("Leadership"),
        "culture": _("Culture"),
        "mirror_self": _("Employees' own rating"),
        "mirror_estimate": _("Employees' estimate of the customers' rating"),
        "mirror_customer": _("Customers' rating"),
    }
    return labels[dimension]


def summary(placement: Placement, _: Gettext) -> str:
    params = {"phase": phase_name(placement.phase), "gloss": phase_gloss(placement.phase, _)}
    return _("Phase: %(phase)s (%(gloss)s).") % params


def explain(placement: Placement, _: Gettext, number: NumberFormat = format_number) -> list[str]:
    """Why this phase, then side findings, then what the data cannot tell."""
    sentences = [describe_reason(r, _, number) for r in placement.reasons]
    sentences += [describe_reason(r, _, number) for r in placement.notes]
    sentences += [describe_reason(r, _, number) for r in placement.limitations]
    return sentences


def explain_next(placement: Placement, _: Gettext, number: NumberFormat = format_number) -> list[str]:
    """What the next phase needs that is not there yet; empty at klantbekwaam."""
    if placement.next_phase is None:
        return []
    intro = _("To reach %(phase)s:") % {"phase": phase_name(placement.next_phase)}
    return [intro] + [describe_reason(r, _, number, for_next=True) for r in placement.missing]


def describe_reason(
    reason: Reason, _: Gettext, number: NumberFormat = format_number, *, for_next: bool = False
) -> str:
    p = _format_params(reason, _, number)
    code = reason.code
    if code == "dimension_meets":
        return _("%(dimension)s scores %(value)s, which meets the %(needed)s that %(phase)s needs.") % p
    if code == "dimension_below":
        return _("%(dimension)s scores %(value)s; %(phase)s needs at least %(needed)s.") % p
    if code == "dimension_missing":
        return _("For %(phase)s a score for %(dimension)s is needed, but there is none (too few answers).") % p
    if code == "customer_meets":
        return _("Customers rate the organisation %(value)s, which meets the %(needed)s that %(phase)s needs.") % p
    if code == "customer_below":
        return _("Customers rate the organisation %(value)s; %(phase)s needs at least %(needed)s.") % p
    if code == "mirror_required":
        return _(
            "Customers must confirm %(phase)s: that needs at least %(min_n)s customer responses."
        ) % p
    if code == "overestimation" and for_next:
        return _(
            "The self-image must come closer to the customers' view: employees rate the organisation "
            "%(self)s, customers %(customer)s. The difference of %(gap)s must become smaller than "
            "%(min_gap)s or fall within its margin of uncertainty (%(margin)s)."
        ) % p
    if code == "overestimation":
        return _(
            "Employees rate the organisation %(self)s, customers only %(customer)s. This overestimation "
            "of %(gap)s is at least %(min_gap)s and larger than its margin of uncertainty (%(margin)s): "
            "the organisation does not see itself as its customers do, so it is onwetend, whatever its "
            "other scores."
        ) % p
    if code == "no_overestimation":
        return _(
            "Employees rate the organisation %(self)s, customers %(customer)s: no clear overestimation "
            "(the difference is under %(min_gap)s or within its margin of uncertainty)."
        ) % p
    if code == "self_image_matches":
        return _(
            "The self-image matches the customers' view: employees rate the organisation %(self)s, "
            "customers %(customer)s, a difference under %(min_gap)s."
        ) % p
    if code == "self_image_above":
        return _(
            "For %(phase)s the self-image must match the customers' view: employees rate the "
            "organisation %(self)s, customers %(customer)s; the difference of %(gap)s must be under "
            "%(min_gap)s."
        ) % p
    if code == "estimate_matches":
        return _(
            "Employees know how customers see the organisation: they expect %(estimate)s, customers "
            "give %(customer)s."
        ) % p
    if code == "estimate_above":
        return _(
            "For %(phase)s employees must know how customers see them: they expect %(estimate)s, "
            "customers give %(customer)s; the difference of %(gap)s must be under %(min_gap)s."
        ) % p
    if code == "underestimation":
        return _(
            "Customers rate the organisation higher (%(customer)s) than employees do (%(self)s): the "
            "organisation may be more customer-oriented than it thinks."
        ) % p
    if code == "estimate_too_high":
        return _(
            "Employees expect customers to give %(estimate)s, but customers give %(customer)s: "
            "employees overestimate how satisfied customers are."
        ) % p
    if code == "estimate_too_low":
        return _(
            "Employees expect customers to give %(estimate)s, but customers give %(customer)s: "
            "customers are more positive than employees think."
        ) % p
    if code == "mirror_missing" and reason.params.get("n"):
        return _(
            "There are only %(n)s customer responses (at least %(min_n)s are needed), so the "
            "self-image could not be compared with the customers' view. The phase is therefore at "
            "most %(cap)s, and an unrealistic self-image (which would mean onwetend) cannot be ruled out."
        ) % p
    if code == "mirror_missing":
        return _(
            "There are no customer responses, so the self-image could not be compared with the "
            "customers' view. The phase is therefore at most %(cap)s, and an unrealistic self-image "
            "(which would mean onwetend) cannot be ruled out."
        ) % p
    if code == "self_image_missing":
        return _(
            "Employees gave no rating of the organisation themselves, so their self-image could not "
            "be compared with the customers' view."
        )
    if code == "too_few_responses":
        return _("%(dimension)s rests on %(n)s responses, fewer than %(min_n)s, and is left out.") % p
    raise ValueError(f"no sentence for reason code {code!r}")


def _format_params(reason: Reason, _: Gettext, number: NumberFormat) -> dict[str, Any]:
    raw: Mapping[str, Any] = reason.params
    out: dict[str, Any] = dict(raw)
    if "dimension" in raw:
        out["dimension"] = dimension_label(raw["dimension"], _)
    # Index scores read as whole numbers, report marks with one decimal.
    digits = 1 if reason.code.startswith("customer_") else 0
    if "value" in raw and "needed" in raw:
        out["value"], out["needed"] = _pair(raw["value"], raw["needed"], digits, number)
    for key in ("self", "estimate", "customer", "gap", "min_gap"):
        if key in raw:
            out[key] = number(raw[key], 1)
    if "gap" in raw and "min_gap" in raw:
        out["gap"], out["min_gap"] = _pair(raw["gap"], raw["min_gap"], 1, number)
    if "margin" in raw:
        out["margin"] = "-" if raw["margin"] is None else number(raw["margin"], 1)
    return out


def _pair(value: float, needed: float, digits: int, number: NumberFormat) -> tuple[str, str]:
    """Format two numbers; add a decimal while rounding would hide which side of the bar we are."""
    for extra in range(3):
        shown_value, shown_needed = number(value, digits + extra), number(needed, digits + extra)
        if (shown_value == shown_needed) == (value == needed):
            return shown_value, shown_needed
    return shown_value, shown_needed
