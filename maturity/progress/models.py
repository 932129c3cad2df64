"""The consultancy's benchmark, as published snapshots."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime


class BenchmarkSnapshot(db.Model):
    """The "other clients" comparison as it stood from ``taken_at``: per client organisation
    that had published results then, the round they came from and its means. A new snapshot is
    taken only when enough clients' figures changed at once (``progress.benchmark``)."""

    __tablename__ = "benchmark_snapshot"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultancy_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("consultancy.id", ondelete="CASCADE"), index=True)
    taken_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    #: {organisation id (as text): {"round": round id, "skills": mean or None, ...}}
    contributions: so.Mapped[dict] = so.mapped_column(sa.JSON)
