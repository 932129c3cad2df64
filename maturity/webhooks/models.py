"""A webhook (a consultancy's, for the events of all its client organisations, or one
organisation's) and each delivery of an event to it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column, enum_type


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Webhook(db.Model):
    __tablename__ = "webhook"
    __table_args__ = (
        sa.CheckConstraint("(consultancy_id IS NULL) <> (organisation_id IS NULL)", name="one_tenant"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: A consultancy's webhook receives the events of every one of its client organisations.
    consultancy_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("consultancy.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(500))
    #: The signing secret, sealed under the server key (``sealing``, purpose ``webhook-secret``):
    #: shown once when it is made or rolled, then only used to sign.
    secret_sealed: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: The event types it wants, separated by spaces (``events.EVENTS``).
    events: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: A paused webhook gets no new events; what was waiting waits until it is resumed.
    is_active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = created_at_column()

    @property
    def event_types(self) -> list[str]:
        return [e for e in self.events.split() if e]

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(db.Model):
    """One event on its way to one webhook. Retries keep the row (``attempts`` grows); "send
    again" makes a new row with the same event id, so a receiver can tell it has seen it."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    webhook_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    #: The event's id (a UUID), the same across retries and sending again.
    event_id: so.Mapped[str] = so.mapped_column(sa.String(36), index=True)
    event_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    #: The body as sent: thin by construction, never figures, answers or respondents (events.py).
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[DeliveryStatus] = so.mapped_column(
        enum_type(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING)
    #: When a pending delivery is due; while an attempt runs, the end of its claim (a worker
    #: killed mid-way leaves it due again after that).
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_status_code: so.Mapped[int | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = created_at_column()
    last_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    delivered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    webhook: so.Mapped[Webhook] = so.relationship()
