from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column

#: The sealing purpose of a message body at rest (``sealing.seal``).
SEAL_PURPOSE = b"outbox"


class OutboxMessage(db.Model):
    """Every message we send: a transactional outbox.

    A message is recorded in the same transaction as the action that causes it, and delivered by
    the worker after the commit (docs/deploy.md). While it waits, the full body is sealed under
    the server's key (it may hold a personal link); ``body_text`` is the copy without personal
    links that admins may read. Without SMTP the message is only kept, for the admin UI."""

    __tablename__ = "outbox_message"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: At most one message per key (e.g. one invitation mail per invitation): a retried action
    #: records nothing twice. None for messages without a natural key (password reset).
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(120), unique=True)
    #: What caused it, for the director's delivery progress: e.g. "round-invitation".
    kind: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    round_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="SET NULL"), index=True)
    recipient: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body_text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: The body as sent, sealed, only while it waits for delivery.
    body_sealed: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    #: Its HTML part (``mail.branding``), sealed likewise; None: a plain-text message.
    html_sealed: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    #: Who it is from (``mail.branding.Sender``): the From header's name and address (None: the
    #: platform's MAIL_DEFAULT_SENDER) and the Reply-To (the consultant or director who sent it).
    sender_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    sender_address: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    reply_to: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    #: The logo shown at the top of the HTML part, attached inline (cid:logo).
    logo_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("outbox_logo.id", ondelete="SET NULL"))
    #: 'outbox' (no mail server: kept for the admin UI), 'pending' (waiting for the worker),
    #: 'sending' (claimed by a worker), 'sent', 'failed' (gave up, or refused by the server) or
    #: 'unconfirmed' (a worker stopped while sending: it may or may not have arrived, and is not
    #: sent again, so that nobody gets it twice).
    status: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = created_at_column()
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)


class OutboxLogo(db.Model):
    """A logo that mail carries inline, stored once however many messages show it (by its hash)."""

    __tablename__ = "outbox_logo"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    mimetype: so.Mapped[str] = so.mapped_column(sa.String(32))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[datetime] = created_at_column()
