"""The results of a round for directors and consultants, and its exports."""

from __future__ import annotations


from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..audit import services as audit
from ..extensions import db
from ..rounds import services as round_services
from ..rounds import customer_responses
from ..forms_common import ActionForm
from ..rounds.models import Round, previous_published
from ..tasks import enqueue
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from . import segment_tally
from ..core.display import STRONG_STATEMENT, WEAK_STATEMENT
from ..i18n import number
from .history import round_points, statement_changes
from .jobs import close_job
from .exports import chosen_group
from .figures import group_label, round_figures, segment_columns, statement_order
from .overview import segment_overview
from .services import live_counts, round_results

bp = organisation_blueprint("results", __name__, "/rounds/<int:round_id>")

MANAGERS = (DIRECTOR, CONSULTANT)


@bp.route("/results")
@roles_required(*MANAGERS)
def page(round_id: int):
    round_ = scoped_get(Round, round_id)
    lang = get_locale().language
    family = segment_tally.shown_groups(round_.id)
    group, refused = chosen_group(family, request.args.getlist("f"))
    if group is None:
        whole = round_results(round_, family=family)
        figures = round_figures(whole, lang, _changes(round_))
        overview, previous = segment_overview(round_, whole, lang), _previous_round_point(round_)
    else:
        # One segment, or two combined: the same page for that group alone, from its own
        # aggregates (nothing of the whole round is computed; no change since the last round).
        figures = round_figures(round_results(round_, group, family=family), lang, {})
        overview, previous = (), None
    _audited("results_viewed", round_)
    return render_template(
        "results/page.html", round=round_, f=figures, previous=previous,
        overview=overview, columns=segment_columns(), choices=_choices(family), chosen=request.args.getlist("f")[:2],
        statements=statement_order(figures) if overview else (),
        strong_statement=number(STRONG_STATEMENT, 1), weak_statement=number(WEAK_STATEMENT, 1),
        group=group, group_name=group_label(family[group][0]) if group else None, refused=refused)





def _choices(family) -> list[tuple[str, list[tuple[str, str]]]]:
    """The values a filter offers, per segment (and departments), as published."""
    by_segment: dict[str, list[tuple[str, str]]] = {}
    for grp, (label, _n) in sorted(segment_tally.filters(family).items(), key=lambda kv: group_label(kv[1][0])):
        if "+" in grp:
            continue
        segment = label[0][0] or _("Department")
        by_segment.setdefault(segment, []).append((grp, label[0][1] or _("Other departments")))
    return sorted(by_segment.items())


def _audited(action: str, round_: Round) -> None:
    """Who saw or downloaded a round's results is part of the audit trail."""
    audit.record(action, organisation_id=round_.organisation_id, obj=round_)


def _changes(round_: Round) -> dict:
    return statement_changes(round_)


def _previous_round_point(round_: Round):
    """The round published before this one, with its phase, for a one-line comparison."""
    previous = previous_published(round_)
    return round_points([previous])[0] if previous else None


@bp.route("/results/live.json")
@roles_required(*MANAGERS)
def live(round_id: int):
    round_ = scoped_get(Round, round_id)
    return live_counts(round_), 200, {"Cache-Control": "no-store"}


@bp.route("/close", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def close(round_id: int):
    """GET: what closing means, and the button that does it; POST: ask the worker to close the
    round, which publishes its results (``publication.close``)."""
    if request.method == "GET":
        round_ = scoped_get(Round, round_id)
        if not round_.is_open or round_.is_closing:
            return redirect(url_for("rounds.detail", round_id=round_id))
        rates = round_services.response_rates(round_)
        return render_template("rounds/close.html", round=round_, action_form=ActionForm(),
                               invited=sum(r.invited for r in rates), submitted=sum(r.submitted for r in rates),
                               customers=customer_responses.customer_response_count(round_), today=round_services.today())
    round_ = scoped_get(Round, round_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("rounds.detail", round_id=round_id))
    try:
        round_services.request_close(round_)
    except round_services.RoundStateError:
        db.session.rollback()
        flash(_("Only an open round can be closed."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    enqueue(close_job, round_id)  # handed to the worker when this request commits
    # The round's page says how far it is: being closed (it refreshes itself), or published.
    flash(_("The round is being closed and its results published. This page shows them as soon as that is done."), "info")
    return redirect(url_for("rounds.detail", round_id=round_id))
