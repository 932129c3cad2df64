"""API keys: a consultancy's (its consultants' clients, all of them) or one organisation's.

A key is shown once; only its SHA-256 is kept (256 random bits, so a plain hash is as good as
a slow one and lets a request find it by index). A key acts for the person who made it and only
while that person still holds the role that let them make it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column

#: What a key may do beyond reading organisations and rounds, in the order the form lists them.
SCOPES = ("results:read", "people:manage", "rounds:manage", "actions:manage")


class ApiKey(db.Model):
    __tablename__ = "api_key"
    __table_args__ = (
        sa.CheckConstraint("(consultancy_id IS NULL) <> (organisation_id IS NULL)", name="one_owner"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultancy_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("consultancy.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: What its maker calls it ("Power BI", "HR-koppeling").
    label: so.Mapped[str] = so.mapped_column(sa.String(80))
    #: Space-separated, a subset of ``SCOPES``.
    scopes: so.Mapped[str] = so.mapped_column(sa.String(200))
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The first characters, to tell keys apart on the page (not enough to guess the rest).
    hint: so.Mapped[str] = so.mapped_column(sa.String(16))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = created_at_column()
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    created_by = so.relationship("User", lazy="joined")

    @property
    def scope_list(self) -> list[str]:
        return [s for s in SCOPES if s in self.scopes.split()]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes.split()
