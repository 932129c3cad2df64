"""The board report, its issued versions and the board deck: made by the worker. A POST asks for
one (``services.request_*``) and is answered with the file's address; a GET serves the file when
it is ready and otherwise the page that waits for it, and writes nothing but the audit trail of a
download (``pdf.documents``)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response as HttpResponse
from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..forms_common import ActionForm
from ..pdf import documents
from ..plans.services import plan_rows
from ..rounds.models import Round
from ..results import exports
from ..results.figures import segment_columns
from ..tenancy.access import CONSULTANT, DIRECTOR, organisation_blueprint, roles_required, scoped_get
from ..audit import services as audit
from ..extensions import db
from .models import ReportVersion
from . import services

bp = organisation_blueprint("reports", __name__, "/rounds/<int:round_id>")

MANAGERS = (DIRECTOR, CONSULTANT)


@bp.route("/report.pdf", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def download(round_id: int):
    """GET: the report when it is ready, otherwise the page that waits for it; POST: ask for it
    (again, when it failed), then the same address."""
    round_ = scoped_get(Round, round_id)
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            services.request_report(round_)
        return redirect(url_for("reports.download", round_id=round_id), 303)
    wanted = services.report(round_)
    if wanted.ready:
        return _file(round_, wanted.row.pdf, "report_downloaded", exports.filename(round_) + ".pdf", PDF)
    return _waiting(round_, wanted, "report")


@bp.route("/report")
@roles_required(*MANAGERS)
def status(round_id: int):
    """Where the waiting page refreshes to: preparing, ready (with the download) or failed."""
    round_ = scoped_get(Round, round_id)
    return _waiting(round_, services.report(round_), "report", is_status_page=True)


@bp.route("/report/v<int:number>.pdf", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def version(round_id: int, number: int):
    """An issued version of the published report, as it was issued (a superseded one says so)."""
    round_ = scoped_get(Round, round_id)
    found = _version(round_, number)
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            services.request_version_pdf(found)
        return redirect(url_for("reports.version", round_id=round_id, number=number), 303)
    wanted = services.version_pdf(found)
    if wanted.ready:
        return _file(round_, found.pdf, "report_downloaded", f"{exports.filename(round_)}-v{number}.pdf", PDF,
                     version=number)
    return _waiting(round_, wanted, "version", number=number)


@bp.route("/report/v<int:number>")
@roles_required(*MANAGERS)
def version_status(round_id: int, number: int):
    round_ = scoped_get(Round, round_id)
    return _waiting(round_, services.version_pdf(_version(round_, number)), "version", number=number,
                    is_status_page=True)


@bp.route("/deck.pptx", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def deck(round_id: int):
    """GET: the board deck (PowerPoint) when it is ready, otherwise the page that waits for it;
    POST: ask for it."""
    round_ = scoped_get(Round, round_id)
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            services.request_deck(round_)
        return redirect(url_for("reports.deck", round_id=round_id), 303)
    wanted = services.deck(round_)
    if wanted.ready:
        return _file(round_, wanted.row.pdf, "deck_downloaded", exports.filename(round_) + ".pptx", PPTX)
    return _waiting(round_, wanted, "deck")


@bp.route("/deck")
@roles_required(*MANAGERS)
def deck_status(round_id: int):
    round_ = scoped_get(Round, round_id)
    return _waiting(round_, services.deck(round_), "deck", is_status_page=True)


PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _version(round_: Round, number: int) -> ReportVersion:
    return db.session.scalar(sa.select(ReportVersion).where(
        ReportVersion.round_id == round_.id, ReportVersion.language == get_locale().language,
        ReportVersion.number == number)) or abort(404)


def _file(round_: Round, data: bytes, action: str, filename: str, mimetype: str, **details) -> HttpResponse:
    """A made report or deck as a download, recorded in the audit trail."""
    audit.record(action, organisation_id=round_.organisation_id, obj=round_, **details)
    return HttpResponse(data, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


#: Per document: its file's endpoint (GET serves, POST asks), its status page, what it is called.
_DOCUMENTS = {
    "report": ("reports.download", "reports.status"),
    "version": ("reports.version", "reports.version_status"),
    "deck": ("reports.deck", "reports.deck_status"),
}


def _waiting(round_: Round, wanted: documents.Wanted, which: str, *, is_status_page: bool = False, **values):
    """The page that waits for a document (it refreshes itself while the worker makes it), says
    that it failed, or offers to make it; a rendering whose worker is gone is asked again."""
    services.ask_again_if_lost(wanted)
    file_endpoint, status_endpoint = _DOCUMENTS[which]
    what = {"report": _("Report"), "deck": _("Board deck")}.get(which) or _("Report, version %(number)s", **values)
    page = render_template(
        "reports/status.html", round=round_, state=wanted.state, is_deck=which == "deck",
        what=what, file_url=url_for(file_endpoint, round_id=round_.id, **values),
        status_url=url_for(status_endpoint, round_id=round_.id, **values),
        versions=services.versions_of(round_.id, get_locale().language) if which != "deck" else [])
    if wanted.state == documents.FAILED:
        return page, 503
    if wanted.state in (documents.PENDING, documents.LOST) and not is_status_page:
        return page, 202
    return page, 200


@bp.route("/results.csv")
@roles_required(DIRECTOR, CONSULTANT)
def export_csv(round_id: int):
    round_ = scoped_get(Round, round_id)
    figures, overview, name = _export(round_, get_locale().language)
    rows = exports.rows(figures, _, as_text=True, segments=overview, columns=segment_columns())
    audit.record("export_csv", organisation_id=round_.organisation_id, obj=round_)
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
    return HttpResponse(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"},
    )


def _export(round_: Round, lang: str):
    found = exports.export_figures(round_, lang, request.args.getlist("f"))
    if found is None:
        abort(404)
    return found
