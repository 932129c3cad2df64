from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who did what, to what, when: security- and privacy-relevant events (docs/security.md).

    Append-only in the application: nothing updates or deletes an entry (enforced below). An
    entry names its actor, tenant and object by id and never holds an answer, a token or a
    client address."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_org_at", "organisation_id", "at"),
                      sa.Index("ix_audit_entry_consultancy_at", "consultancy_id", "at"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The signed-in user who acted (None: nobody signed in, e.g. a failed login or the schedule).
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: The actor's e-mail address at the time, so the trail stays readable after an erasure
    #: replaces the account (then this is replaced too).
    actor_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    consultancy_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("consultancy.id", ondelete="CASCADE"))
    organisation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    action: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int | None]
    #: Small facts about the event (a role, a minimum group size, a file type): never personal content.
    detail: so.Mapped[dict | None] = so.mapped_column(sa.JSON)


@sa.event.listens_for(so.Session, "before_flush")
def _append_only(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit entries are append-only")
