"""The reports' jobs: the board report, one of its issued versions, the board deck, each made in
the worker from ids (a row and the key it asks for: the job reads everything else from the
database) and stored only while its row still asks for that key (``pdf.documents``)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models_base import utcnow
from ..pdf import documents
from ..results.services import round_results
from ..rounds.models import Round
from ..tasks import app_task
from . import deck
from .context import report_context, version_html
from .models import ReportCache, ReportVersion


@app_task()
def render_report(cache_id: int, key: str) -> None:
    """The live report of the row's round, in the row's language."""

    def html() -> str:
        row = db.session.get(ReportCache, cache_id)
        round_ = db.session.get(Round, row.round_id)
        with force_locale(row.language):
            return render_template("pdf/report.html", **report_context(round_, round_results(round_)))

    documents.make(ReportCache, cache_id, key,
                   lambda beat: {"pdf": documents.pdf_of(html, beat), "created_at": utcnow()})


@app_task()
def render_report_version(version_id: int, key: str) -> None:
    """An issued version as it was issued (a superseded one says so)."""
    documents.make(ReportVersion, version_id, key, lambda beat: {
        "pdf": documents.pdf_of(lambda: version_html(db.session.get(ReportVersion, version_id)), beat)})


@app_task()
def render_deck(cache_id: int, key: str) -> None:
    """The board deck from the report's figures."""

    def build(beat) -> dict:
        row = db.session.get(ReportCache, cache_id)
        round_ = db.session.get(Round, row.round_id)
        with force_locale(row.language):
            data = deck.build(report_context(round_, round_results(round_)), _)
        return {"pdf": data, "created_at": utcnow()}

    documents.make(ReportCache, cache_id, key, build)
