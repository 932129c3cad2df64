from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import created_at_column


class ReportCache(db.Model):
    """The last rendered report per round and language. It is served again only while the
    HTML it was made from is byte-for-byte the same (same data, plan, language, template)."""

    __tablename__ = "report_cache"
    __table_args__ = (sa.UniqueConstraint("round_id", "language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    html_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    pdf: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = created_at_column()
