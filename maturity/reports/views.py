"""The board report: rendered by the worker; the page waits for it and then offers it."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import redirect, render_template, url_for

from ..plans.forms import ActionForm
from ..rounds.models import Round
from ..results import exports
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from .services import request_report

bp = organisation_blueprint("reports", __name__, "/rounds/<int:round_id>")


@bp.route("/report.pdf")
@roles_required(DIRECTOR, CONSULTANT)
def download(round_id: int):
    """The PDF when it is ready; otherwise the page that waits for the worker."""
    round_ = scoped_get(Round, round_id)
    row = request_report(round_)
    if row.status != "ready":
        return _status_page(round_, row), 202 if row.status == "pending" else 503
    from ..audit import services as audit
    from ..extensions import db

    audit.record("report_downloaded", organisation_id=round_.organisation_id, obj=round_)
    db.session.commit()
    filename = exports.filename(round_) + ".pdf"
    return HttpResponse(row.pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/report")
@roles_required(DIRECTOR, CONSULTANT)
def status(round_id: int):
    """Where the waiting page refreshes to: preparing, ready (with the download) or failed."""
    round_ = scoped_get(Round, round_id)
    row = request_report(round_)
    return _status_page(round_, row), 503 if row.status == "failed" else 200


@bp.route("/report/retry", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def retry(round_id: int):
    round_ = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        request_report(round_, retry=True)
    return redirect(url_for("reports.status", round_id=round_id))


def _status_page(round_: Round, row) -> str:
    return render_template("reports/status.html", round=round_, report=row, action_form=ActionForm())
