from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column
from ..pdf.documents import Document


class ReportCache(Document, db.Model):
    """The report (a PDF) or the board deck (a PowerPoint) per round and language, made by the
    worker (``pdf.documents``). It is served only while its key (``reports.context.report_key``:
    results versions, plans, branding, language, code) is the same; otherwise a new one is
    requested."""

    KEY = "html_sha256"

    __tablename__ = "report_cache"
    __table_args__ = (sa.UniqueConstraint("round_id", "language", "kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    #: "pdf" (the report) or "pptx" (the board deck); the file is in ``pdf`` either way.
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), default="pdf", server_default="pdf")
    #: The key of what the PDF is (or is being) made from (``report_key``; named for its first form).
    html_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: 'ready', 'pending' (the worker is making it) or 'failed'.
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="ready", server_default="ready")
    pdf: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = created_at_column()


class ReportVersion(Document, db.Model):
    """A published report as it was issued: once the action plan is published, the report is a
    record. Its HTML is kept as issued; a later change to anything it shows (the plan, a name,
    the figures after a rescore, the method) makes a new, dated version, and this one stays
    downloadable and says that it was superseded."""

    __tablename__ = "report_version"
    KEY = "pdf_digest"
    __table_args__ = (sa.UniqueConstraint("round_id", "language", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    #: 1, 2, … per round and language.
    number: so.Mapped[int]
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    #: The report as issued (the stylesheet is applied when it is rendered).
    html: so.Mapped[str] = so.mapped_column(sa.Text)
    #: ``report_key`` when it was last found to say the same: checked without rendering.
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    superseded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: The rendered PDF, as for the live report (``Document``: 'ready', 'pending' or 'failed'),
    #: of the version's HTML whose digest is ``pdf_digest``.
    pdf: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    pdf_digest: so.Mapped[str | None] = so.mapped_column(sa.String(64))
