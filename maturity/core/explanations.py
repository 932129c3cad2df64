"""Plain-language sentences for a Placement, in whatever language ``_`` translates to.

The web layer passes Flask-Babel's ``gettext`` as ``_``; pybabel extracts every ``_("...")``
literal below, so the msgids are English sentences with ``%(name)s`` placeholders. Numbers are
formatted by ``number`` (pass Babel's ``format_decimal`` for a Dutch decimal comma).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .display import INDEX_DIGITS, MARK_DIGITS, shown
from .phases import Phase, Placement, Reason

Gettext = Callable[[str], str]
NumberFormat = Callable[[float, int], str]


def format_number(value: float, digits: int) -> str:
    return f"{shown(value, digits):.{digits}f}"


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
    """One sentence stating the reason's facts, from its params only (so a test can check
    every stated number against the inputs)."""
    p = _format_params(reason, _, number)
    code = reason.code
    near = bool(reason.params.get("near"))
    if code == "dimension_meets" and near:
        return _(
            "%(dimension)s scores %(value)s ± %(margin)s, which meets the %(needed)s that %(phase)s needs, but "
            "within its margin of uncertainty: with other respondents it could have fallen short."
        ) % p
    if code == "dimension_meets":
        return _("%(dimension)s scores %(value)s, which meets the %(needed)s that %(phase)s needs.") % p
    if code == "dimension_below" and near:
        return _(
            "%(dimension)s scores %(value)s ± %(margin)s; %(phase)s needs at least %(needed)s. That bar lies "
            "within the margin of uncertainty: with other respondents it could have been met."
        ) % p
    if code == "dimension_below":
        return _("%(dimension)s scores %(value)s; %(phase)s needs at least %(needed)s.") % p
    if code == "dimension_missing":
        return _("For %(phase)s a score for %(dimension)s is needed, but there is none (too few answers).") % p
    if code == "customer_meets" and near:
        return _(
            "Customers rate the organisation %(value)s ± %(margin)s, which meets the %(needed)s that %(phase)s "
            "needs, but within its margin of uncertainty: with other customers it could have fallen short."
        ) % p
    if code == "customer_meets":
        return _("Customers rate the organisation %(value)s, which meets the %(needed)s that %(phase)s needs.") % p
    if code == "customer_below" and near:
        return _(
            "Customers rate the organisation %(value)s ± %(margin)s; %(phase)s needs at least %(needed)s. That "
            "bar lies within the margin of uncertainty: with other customers it could have been met."
        ) % p
    if code == "customer_below":
        return _("Customers rate the organisation %(value)s; %(phase)s needs at least %(needed)s.") % p
    if code == "mirror_required" and reason.params.get("phase") == "klantgericht":
        return _(
            "Customers must confirm the self-image: at least %(min_n)s customer responses, with "
            "employees' own rating and their estimate less than a report mark above the customers' rating."
        ) % p
    if code == "mirror_required":
        return _(
            "Customers must confirm %(phase)s: that needs at least %(min_n)s customer responses."
        ) % p
    if code == "awareness_unknown" and reason.params.get("has_customers"):
        return _(
            "Employees gave no rating of the organisation and no estimate of the customers' rating, "
            "so it cannot be shown that the organisation sees itself as its customers do; and its "
            "scores are below what klantbewust needs: so it is placed in onwetend."
        ) % p
    if code == "awareness_unknown":
        return _(
            "Without at least %(min_n)s customer responses it cannot be shown that the organisation "
            "sees itself as its customers do, and its scores are below what klantbewust needs: so it "
            "is placed in onwetend until customers confirm the self-image."
        ) % p
    if code == "overestimation" and for_next:
        return _(
            "The self-image must match what customers say: employees rate the organisation %(self)s, "
            "customers %(customer)s, and that difference of %(gap)s must become smaller than %(min_gap)s, "
            "by finding out what customers experience and improving it."
        ) % p
    if code == "overestimation":
        return _(
            "Employees rate the organisation %(gap)s higher than customers do (%(self)s against %(customer)s; "
            "the limit is %(min_gap)s): the organisation does not see itself as its customers do, so it is "
            "onwetend, whatever its other scores."
        ) % p
    if code == "estimate_overestimation" and for_next:
        return _(
            "Employees must learn how customers see the organisation: they expect %(estimate)s, "
            "customers give %(customer)s, and that difference of %(gap)s must become smaller than %(min_gap)s."
        ) % p
    if code == "estimate_overestimation":
        return _(
            "Employees expect customers to be more positive than they are (%(estimate)s expected, %(customer)s "
            "given: %(gap)s apart, the limit is %(min_gap)s). Not knowing how customers see the organisation "
            "is onwetend too."
        ) % p
    if code == "no_overestimation" and reason.params.get("gap", 0) <= -reason.params.get("min_gap", 1):
        return _(
            "Employees do not overrate the organisation: they give %(self)s, customers %(customer)s."
        ) % p
    if code == "no_overestimation":
        return _(
            "The self-image is realistic: employees rate the organisation %(self)s, customers %(customer)s "
            "(an overestimation starts at %(min_gap)s higher)."
        ) % p
    if code == "estimate_no_overestimation":
        return _(
            "Employees do not overrate the customers' view: they expect %(estimate)s, customers give "
            "%(customer)s."
        ) % p
    if code == "self_image_matches":
        return _(
            "The self-image matches the customers' view: employees rate the organisation %(self)s, "
            "customers %(customer)s, a difference smaller than %(min_gap)s either way."
        ) % p
    if code == "estimate_matches":
        return _(
            "Employees know how customers see the organisation: they expect %(estimate)s, customers "
            "give %(customer)s, a difference smaller than %(min_gap)s either way."
        ) % p
    if code in ("self_image_above", "self_image_below") and reason.params.get("is_target"):
        return _(
            "For %(phase)s the self-image must match the customers' view: when customers give the "
            "%(customer)s that %(phase)s needs, employees' own rating (now %(self)s) must be less than "
            "%(min_gap)s away from it."
        ) % p
    if code in ("self_image_above", "self_image_below"):
        return _(
            "For %(phase)s the self-image must match the customers' view: employees rate the "
            "organisation %(self)s, customers %(customer)s; the difference must be smaller than "
            "%(min_gap)s either way."
        ) % p
    if code in ("estimate_above", "estimate_below") and reason.params.get("is_target"):
        return _(
            "For %(phase)s employees must know how customers see them: when customers give the "
            "%(customer)s that %(phase)s needs, employees' estimate (now %(estimate)s) must be less "
            "than %(min_gap)s away from it."
        ) % p
    if code in ("estimate_above", "estimate_below"):
        return _(
            "For %(phase)s employees must know how customers see them: they expect %(estimate)s, "
            "customers give %(customer)s; the difference must be smaller than %(min_gap)s either way."
        ) % p
    if code == "views_follow" and reason.params.get("self") is not None and reason.params.get("estimate") is not None:
        return _(
            "As the customers' rating rises to %(customer)s or more, employees' own rating (now %(self)s) and "
            "their estimate (now %(estimate)s) must stay less than %(min_gap)s from it."
        ) % p
    if code == "views_follow" and reason.params.get("self") is not None:
        return _(
            "As the customers' rating rises to %(customer)s or more, employees' own rating (now %(self)s) must "
            "stay less than %(min_gap)s from it."
        ) % p
    if code == "views_follow":
        return _(
            "As the customers' rating rises to %(customer)s or more, employees' estimate of it (now %(estimate)s) "
            "must stay less than %(min_gap)s from it."
        ) % p
    if code == "departments_consistent":
        return _(
            "Customer orientation is in the culture of every department shown: the lowest culture "
            "score of the %(count)s departments is %(lowest)s, at least %(needed)s."
        ) % p
    if code == "department_below":
        return _(
            "For %(phase)s customer orientation must be in the culture of every department: "
            "%(department)s scores %(value)s on culture, at least %(needed)s is needed."
        ) % p
    if code == "underestimation":
        return _(
            "Customers rate the organisation higher (%(customer)s) than employees do (%(self)s): the "
            "organisation may be more customer-oriented than it thinks."
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


#: Params shown as report marks (one decimal); the rest of the numbers are index scores.
_MARK_PARAMS = ("self", "estimate", "customer", "gap", "min_gap", "margin")


def _format_params(reason: Reason, _: Gettext, number: NumberFormat) -> dict[str, Any]:
    """Every number exactly as the rule compared it (``display.shown``): index scores whole,
    report marks and their differences with one decimal."""
    raw: Mapping[str, Any] = reason.params
    out: dict[str, Any] = dict(raw)
    if "dimension" in raw:
        out["dimension"] = dimension_label(raw["dimension"], _)
    if "department" in raw and not raw["department"]:
        # The responses without a (large enough) department: one group, named as the tables name it.
        out["department"] = _("Other (smaller departments and none)")
    digits = MARK_DIGITS if reason.code.startswith("customer_") else INDEX_DIGITS
    for key in ("value", "needed", "lowest"):
        if key in raw:
            out[key] = number(raw[key], digits)
    for key in _MARK_PARAMS:
        if key in raw:
            out[key] = "-" if raw[key] is None else number(abs(raw[key]) if key == "gap" else raw[key], MARK_DIGITS)
    if reason.code.startswith("dimension_") and raw.get("margin") is not None:
        out["margin"] = number(raw["margin"], INDEX_DIGITS)  # index points, whole, like the score
    return out
