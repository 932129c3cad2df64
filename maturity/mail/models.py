from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column


class OutboxMessage(db.Model):
    """Every message we send. Without SMTP the body is kept so admins can read it in the UI;
    with SMTP only the envelope is kept once delivered, so links in it don't linger."""

    __tablename__ = "outbox_message"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body_text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: 'outbox' (kept for the admin UI), 'sent' (delivered by SMTP) or 'failed'.
    status: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = created_at_column()
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
