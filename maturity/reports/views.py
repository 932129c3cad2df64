"""The board report: rendered by the worker; the page waits for it and then offers it."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response as HttpResponse
from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..forms_common import ActionForm
from ..plans.services import plan_rows
from ..rounds.models import Round
from ..results import exports
from ..results.figures import segment_columns
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from ..audit import services as audit
from ..extensions import db
from .models import ReportVersion
from .services import request_deck, request_report, request_version_pdf, versions_of

bp = organisation_blueprint("reports", __name__, "/rounds/<int:round_id>")


@bp.route("/report.pdf")
@roles_required(DIRECTOR, CONSULTANT)
def download(round_id: int):
    """The PDF when it is ready; otherwise the page that waits for the worker."""
    round_ = scoped_get(Round, round_id)
    row = request_report(round_)
    if row.status != "ready":
        return _status_page(round_, row), 202 if row.status == "pending" else 503
    return _file(round_, row.pdf, "report_downloaded", exports.filename(round_) + ".pdf", PDF)


@bp.route("/deck.pptx")
@roles_required(DIRECTOR, CONSULTANT)
def deck(round_id: int):
    """The board deck (PowerPoint) when it is ready; otherwise the page that waits for it."""
    round_ = scoped_get(Round, round_id)
    row = request_deck(round_)
    if row.status != "ready":
        return _status_page(round_, row, is_deck=True), 202 if row.status == "pending" else 503
    return _file(round_, row.pdf, "deck_downloaded", exports.filename(round_) + ".pptx", PPTX)


@bp.route("/deck")
@roles_required(DIRECTOR, CONSULTANT)
def deck_status(round_id: int):
    round_ = scoped_get(Round, round_id)
    row = request_deck(round_)
    return _status_page(round_, row, is_deck=True), 503 if row.status == "failed" else 200


@bp.route("/deck/retry", methods=["POST"])
@roles_required(DIRECTOR, CONSULTANT)
def deck_retry(round_id: int):
    round_ = scoped_get(Round, round_id)
    if ActionForm().validate_on_submit():
        request_deck(round_, retry=True)
    return redirect(url_for("reports.deck_status", round_id=round_id))


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


@bp.route("/report/v<int:number>.pdf")
@roles_required(DIRECTOR, CONSULTANT)
def version(round_id: int, number: int):
    """An issued version of the published report, as it was issued (a superseded one says so)."""
    round_ = scoped_get(Round, round_id)
    found = db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.round_id == round_.id, ReportVersion.language == get_locale().language,
        ReportVersion.number == number)) or abort(404)
    row = request_version_pdf(found)
    if row.status != "ready":
        return _status_page(round_, row), 202 if row.status == "pending" else 503
    return _file(round_, row.pdf, "report_downloaded", f"{exports.filename(round_)}-v{number}.pdf", PDF, version=number)


PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _file(round_: Round, data: bytes, action: str, filename: str, mimetype: str, **details) -> HttpResponse:
    """A made report or deck as a download, recorded in the audit trail."""
    audit.record(action, organisation_id=round_.organisation_id, obj=round_, **details)
    db.session.commit()
    return HttpResponse(data, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _status_page(round_: Round, row, *, is_deck: bool = False) -> str:
    return render_template(
        "reports/status.html", round=round_, report=row, action_form=ActionForm(), is_deck=is_deck,
        what=_("Board deck") if is_deck else _("Report"),
        status_url=url_for("reports.deck_status" if is_deck else "reports.status", round_id=round_.id),
        versions=[] if is_deck else versions_of(round_.id, get_locale().language))


@bp.route("/results.csv")
@roles_required(DIRECTOR, CONSULTANT)
def export_csv(round_id: int):
    round_ = scoped_get(Round, round_id)
    figures, overview, name = _export(round_, get_locale().language)
    rows = exports.rows(figures, _, as_text=True, segments=overview, columns=segment_columns())
    audit.record("export_csv", organisation_id=round_.organisation_id, obj=round_)
    db.session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(rows)
    return HttpResponse(
        "\ufeff" + buffer.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"},
    )


@bp.route("/results.xlsx")
@roles_required(DIRECTOR, CONSULTANT)
def export_xlsx(round_id: int):
    round_ = scoped_get(Round, round_id)
    lang = get_locale().language
    figures, overview, name = _export(round_, lang)
    data = exports.xlsx(figures, _, plan_rows(round_, g.org.owner_roles, lang), segments=overview,
                        columns=segment_columns())
    audit.record("export_xlsx", organisation_id=round_.organisation_id, obj=round_)
    db.session.commit()
    return HttpResponse(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"},
    )


def _export(round_: Round, lang: str):
    found = exports.export_figures(round_, lang, request.args.getlist("f"))
    if found is None:
        abort(404)
    return found
