"""The results of a round for directors and consultants, and its exports."""

from __future__ import annotations

import csv
import io

from flask import Response as HttpResponse
from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from ..core import dimension_label, explain, explain_next, phase_gloss, phase_name
from ..i18n import number
from ..rounds.models import Round
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from . import exports
from .services import live_counts, oriented_mean, round_results

bp = organisation_blueprint("results", __name__, "/rounds/<int:round_id>")

MANAGERS = (DIRECTOR, CONSULTANT)


@bp.route("/results")
@roles_required(*MANAGERS)
def page(round_id: int):
    round_ = scoped_get(Round, round_id)
    results = round_results(round_)
    context = {"round": round_, "r": results, "number": number, "oriented_mean": oriented_mean,
               "dimension_label": lambda d: dimension_label(d, _)}
    context["previous"] = _previous_round_point(round_)
    if results.placement is not None:
        context.update(
            phase=phase_name(results.placement.phase), gloss=phase_gloss(results.placement.phase, _),
            reasons=explain(results.placement, _, number), next_steps=explain_next(results.placement, _, number),
        )
    return render_template("results/page.html", **context)


def _previous_round_point(round_: Round):
    """The round before this one, with its phase, for a one-line comparison."""
    import sqlalchemy as sa

    from ..extensions import db
    from ..progress.services import round_points
    from ..rounds.models import RoundStatus

    previous = db.session.scalar(
        sa.select(Round).where(Round.organisation_id == round_.organisation_id, Round.status != RoundStatus.DRAFT,
                               Round.opens_on < round_.opens_on).order_by(Round.opens_on.desc()).limit(1))
    return round_points([previous])[0] if previous else None


@bp.route("/results/live.json")
@roles_required(*MANAGERS)
def live(round_id: int):
    round_ = scoped_get(Round, round_id)
    return live_counts(round_)


@bp.route("/results.csv")
@roles_required(*MANAGERS)
def export_csv(round_id: int):
    round_ = scoped_get(Round, round_id)
    rows = exports.rows(round_results(round_), _, get_locale().language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(rows)
    return HttpResponse(
        "\ufeff" + buffer.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{exports.filename(round_)}.csv"'},
    )


@bp.route("/results.xlsx")
@roles_required(*MANAGERS)
def export_xlsx(round_id: int):
    round_ = scoped_get(Round, round_id)
    data = exports.xlsx(exports.rows(round_results(round_), _, get_locale().language))
    return HttpResponse(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{exports.filename(round_)}.xlsx"'},
    )
