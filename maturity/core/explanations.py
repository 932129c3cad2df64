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


def phase_stage(phase: Phase, _: Gettext) -> str:
    """Seed 004's stage of learning for the phase, in a few words (under the phase ladder)."""
    if phase is Phase.ONWETEND:
        return _("unconsciously incompetent")
    if phase is Phase.KLANTGERICHT:
        return _("consciously incompetent")
    if phase is Phase.KLANTBEWUST:
        return _("consciously competent")
    return _("unconsciously competent")


def phase_gloss(phase: Phase, _: Gettext) -> str:
    if phase is Phase.ONWETEND:
        return _("unconsciously incompetent: 'nothing is wrong'")
    if phase is Phase.KLANTGERICHT:
        return _("consciously incompetent: sees what is missing, the organisation still at the centre")
    if phase is Phase.KLANTBEWUST:
        return _("consciously competent: it works, with effort")
    return _("unconsciously competent: the customer is in the DNA")


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
    sentence = _SENTENCES.get(reason.code)
    if sentence is None:
        raise ValueError(f"no sentence for reason code {reason.code!r}")
    return sentence(reason, _, _format_params(reason, _, number), for_next)


def _dimension(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """A dimension against the bar a phase sets (or why it has no score)."""
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
    if code == "too_few_responses":
        return _("%(dimension)s rests on %(n)s responses, fewer than %(min_n)s, and is left out.") % p
    raise ValueError(f"no sentence for reason code {code!r}")


def _customers(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """The customers' rating against the bar a phase sets, and the customers a phase needs."""
    code = reason.code
    near = bool(reason.params.get("near"))
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
    if code == "mirror_required":
        return _(
            "Customers must confirm %(phase)s: that needs at least %(min_n)s customer responses."
        ) % p
    raise ValueError(f"no sentence for reason code {code!r}")


def _awareness(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """Klantgericht without customers to confirm that the organisation sees its shortfall."""
    code = reason.code
    if code == "awareness_not_confirmed" and reason.params.get("has_customers"):
        return _(
            "Employees gave no rating of the organisation and no estimate of the customers' rating, so it "
            "could not be confirmed that the organisation sees what customers see. It is placed by its scores, "
            "which are below what klantbewust needs."
        ) % p
    if code == "awareness_not_confirmed" and reason.params.get("has_answers"):
        return _(
            "Without at least %(min_n)s customer responses customers could not confirm that the organisation "
            "sees its shortfall; employees' own answers do not contradict it. Placed in klantgericht by its "
            "scores, provisionally: customers decide between klantgericht and onwetend."
        ) % p
    if code == "awareness_not_confirmed":
        return _(
            "Without at least %(min_n)s customer responses (and without employees' own rating of the "
            "organisation) it could not be shown whether the organisation sees its shortfall. Placed in "
            "klantgericht by its scores, provisionally: customers decide between klantgericht and onwetend."
        ) % p
    raise ValueError(f"no sentence for reason code {code!r}")


def _overestimation(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """An overestimation of the organisation or of the customers' view, and when it is none."""
    code = reason.code
    if code == "overestimation" and for_next:
        return _(
            "The organisation must see what customers see: employees rate it %(self)s, customers %(customer)s. "
            "That difference of %(gap)s must become smaller than %(min_gap)s, by finding out what customers "
            "experience and improving it, or customers must come to rate it good (%(good)s or more)."
        ) % p
    if code == "overestimation":
        return _(
            "Employees rate the organisation %(gap)s higher than customers do (%(self)s against %(customer)s; "
            "the limit is %(min_gap)s), while customers find it lacking (below %(good)s): the organisation does "
            "not see the shortfall its customers see, so it is onwetend, whatever its other scores."
        ) % p
    if code == "estimate_overestimation" and for_next:
        return _(
            "Employees must learn how customers see the organisation: they expect %(estimate)s, customers give "
            "%(customer)s, and that difference of %(gap)s must become smaller than %(min_gap)s, or customers "
            "must come to rate it good (%(good)s or more)."
        ) % p
    if code == "estimate_overestimation":
        return _(
            "Employees expect customers to be more positive than they are (%(estimate)s expected, %(customer)s "
            "given: %(gap)s apart, the limit is %(min_gap)s), while customers find it lacking (below %(good)s). "
            "Not knowing how customers see the organisation is onwetend too."
        ) % p
    if code == "overestimation_while_good" and reason.params.get("view") == "estimate":
        return _(
            "Employees expect customers to give %(estimate)s, and customers give %(customer)s: a good rating "
            "(%(good)s or more), so expecting even more is no blind spot for a shortfall."
        ) % p
    if code == "overestimation_while_good":
        return _(
            "Employees rate the organisation %(self)s, even higher than customers (%(customer)s); customers "
            "rate it good (%(good)s or more), so that is no blind spot for a shortfall."
        ) % p
    raise ValueError(f"no sentence for reason code {code!r}")


def _self_image(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """The self-image beside the customers' view and beside employees' own answers."""
    code = reason.code
    if code == "self_above_answers" and for_next:
        return _(
            "Employees must see the gaps their own answers show: they rate the organisation %(self)s, while "
            "their answers on leadership and culture come to %(answers)s; that difference of %(gap)s must "
            "become smaller than %(min_gap)s, or customers must show otherwise."
        ) % p
    if code == "self_above_answers":
        return _(
            "Employees rate the organisation %(self)s, while their own answers on leadership and culture come "
            "to %(answers)s (%(gap)s lower; the limit is %(min_gap)s): they do not see the gaps their own "
            "answers show, so it is onwetend. Customer responses can show otherwise."
        ) % p
    if code == "self_fits_answers":
        return _(
            "Employees rate the organisation %(self)s, in line with their own answers on leadership and "
            "culture (%(answers)s): they see the gaps their answers show."
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
    raise ValueError(f"no sentence for reason code {code!r}")


def _departments(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """Customer orientation in the culture of every shown department."""
    code = reason.code
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
    raise ValueError(f"no sentence for reason code {code!r}")


def _missing_mirror(reason: Reason, _: Gettext, p: dict[str, Any], for_next: bool) -> str:
    """What the phase cannot say without customers or without employees' own rating."""
    code = reason.code
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
    raise ValueError(f"no sentence for reason code {code!r}")


#: The sentence of each reason code, by family.
_SENTENCES = {
    **dict.fromkeys(('dimension_meets', 'dimension_below', 'dimension_missing', 'too_few_responses'), _dimension),
    **dict.fromkeys(('customer_meets', 'customer_below', 'mirror_required'), _customers),
    **dict.fromkeys(('awareness_not_confirmed',), _awareness),
    **dict.fromkeys(('overestimation', 'estimate_overestimation', 'overestimation_while_good'), _overestimation),
    **dict.fromkeys(('self_above_answers', 'self_fits_answers', 'no_overestimation', 'estimate_no_overestimation', 'underestimation', 'estimate_too_low'), _self_image),
    **dict.fromkeys(('departments_consistent', 'department_below'), _departments),
    **dict.fromkeys(('mirror_missing', 'self_image_missing'), _missing_mirror),
}


#: Params shown as report marks (one decimal); the rest of the numbers are index scores.
_MARK_PARAMS = ("self", "estimate", "customer", "gap", "min_gap", "margin", "answers", "good")


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
