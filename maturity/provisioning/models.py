"""What the directory provisions, per organisation: its bearer tokens, the SCIM resources it
wrote, and which directory attribute fills which segment.

A SCIM resource's id is random and lives only here and in the directory: it is tied to the
person's membership (to end it when the directory says they left), never to an invitation, a
ballot or a response."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column

#: Directory attributes a segment can be filled from (SCIM name -> the enterprise extension's
#: attribute, or a core attribute). "groups" takes the name of a SCIM Group the person is in.
SEGMENT_SOURCES = ("division", "costCenter", "organization", "department", "title", "userType", "groups")


class ScimToken(db.Model):
    """A bearer token of one organisation's directory. Shown once; only its SHA-256 is kept
    (the token is 256 random bits, so a plain hash is as good as a slow one and lets the
    endpoint find it by index)."""

    __tablename__ = "scim_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: What the director calls it ("Entra ID productie").
    label: so.Mapped[str] = so.mapped_column(sa.String(80))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The first characters, to tell tokens apart on the page (not enough to guess the rest).
    hint: so.Mapped[str] = so.mapped_column(sa.String(16))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = created_at_column()
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScimResource(db.Model):
    """A User or Group as the directory wrote it. The body is sealed at rest (it can hold what
    the directory sends beyond what we use: phone numbers, titles); ``user_name`` (lower case)
    and ``external_id`` are kept plain for the directory's look-ups."""

    __tablename__ = "scim_resource"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "resource_type", "user_name"),)

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: "User" or "Group".
    resource_type: so.Mapped[str] = so.mapped_column(sa.String(8))
    #: A User's userName in lower case (unique per organisation); None for a Group.
    user_name: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), index=True)
    #: A Group's displayName, for the segment filled from group membership.
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    body: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: The person's membership while the directory has them active.
    membership_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation_membership.id", ondelete="SET NULL"), index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = created_at_column()
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())


class ScimSegmentSource(db.Model):
    """The directory attribute that fills one of the organisation's segments."""

    __tablename__ = "scim_segment_source"

    segment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    attribute: so.Mapped[str] = so.mapped_column(sa.String(20))


class ScimGroupMember(db.Model):
    """A User listed among a Group's members (the Group's body holds the list as sent; this
    row lets a User's ``groups`` and the segment filled from group membership be read)."""

    __tablename__ = "scim_group_member"

    group_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("scim_resource.id", ondelete="CASCADE"), primary_key=True)
    user_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("scim_resource.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
