"""The reports' jobs: render a board report or one of its published versions into a PDF, build
the board deck, in the worker; each stored only while its row still asks for it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models_base import utcnow
from ..pdf.render import PdfRenderError, render_pdf
from ..results.services import round_results
from ..rounds.models import Round
from ..tasks import app_task
from . import deck
from .context import report_context
from .models import ReportCache, ReportVersion

log = logging.getLogger(__name__)


@app_task()
def render_report(cache_id: int, digest: str, html: str) -> None:
    """Render and store, unless a newer request superseded this one."""
    _render_and_store(ReportCache, ReportCache.html_sha256, cache_id, digest, html, {"created_at": utcnow()})


@app_task()
def render_report_version(version_id: int, digest: str, html: str) -> None:
    """Render a version's PDF and store it, unless a newer request superseded it."""
    _render_and_store(ReportVersion, ReportVersion.pdf_digest, version_id, digest, html, {})


@app_task()
def render_deck(cache_id: int, digest: str) -> None:
    """In the worker: build the deck from the report's figures and store it, unless a newer
    request superseded this one."""
    row = db.session.get(ReportCache, cache_id)
    if row is None or row.html_sha256 != digest or row.status == "ready":
        return
    round_ = db.session.get(Round, row.round_id)
    try:
        with force_locale(row.language):
            data = deck.build(report_context(round_, round_results(round_)), _)
    except Exception as exc:  # noqa: BLE001 — recorded on the row, shown with a retry button
        log.exception("deck for round %s failed", row.round_id)
        values = {"status": "failed", "error": str(exc)[:200]}
    else:
        values = {"status": "ready", "pdf": data, "created_at": utcnow()}
    db.session.execute(sa.update(ReportCache).where(ReportCache.id == cache_id, ReportCache.html_sha256 == digest)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _render_and_store(model, digest_column, row_id: int, digest: str, html: str, when_ready: dict) -> None:
    """Render ``html`` and store the PDF (or the failure) on the row, but only while the row
    still asks for this ``digest``: a newer request wins."""
    row = db.session.get(model, row_id)
    if row is None or getattr(row, digest_column.key) != digest or row.status == "ready":
        return
    try:
        pdf, refused = render_pdf(html)
    except PdfRenderError as exc:
        values = {"status": "failed", "error": str(exc)[:200]}
        log.error("report %s=%s failed: %s", model.__tablename__, row_id, exc)
    else:
        if refused:
            log.warning("report %s=%s: %d URL(s) refused while rendering", model.__tablename__, row_id, len(refused))
        values = {"status": "ready", "pdf": pdf, **when_ready}
    db.session.execute(sa.update(model).where(model.id == row_id, digest_column == digest)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
