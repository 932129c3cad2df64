from __future__ import annotations

from flask import Response as HttpResponse
from flask import render_template, url_for
from flask_babel import gettext as _

from ..pdf.render import PdfRenderError
from ..rounds.models import Round
from ..results import exports
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from .services import report_pdf

bp = organisation_blueprint("reports", __name__, "/rounds/<int:round_id>")


@bp.route("/report.pdf")
@roles_required(DIRECTOR, CONSULTANT)
def download(round_id: int):
    round_ = scoped_get(Round, round_id)
    try:
        pdf, _cached = report_pdf(round_)
    except PdfRenderError:
        return render_template(
            "errors/error.html", status=503, title=_("The PDF could not be made right now"),
            message=_("Please try again in a minute."), back=url_for("plans.page", round_id=round_id),
        ), 503
    filename = exports.filename(round_) + ".pdf"
    return HttpResponse(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
