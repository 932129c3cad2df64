"""Segments of an organisation's people and the per-segment aggregates of a published round."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import created_at_column

#: At most this many segments per organisation, and values per segment: enough for "location,
#: role, customer contact, years of service, service", few enough that groups stay large.
MAX_SEGMENTS = 5
MAX_VALUES = 8


class Segment(db.Model):
    """An attribute of the organisation's people, e.g. "Locatie" with values "Noord", "Zuid".
    At most one segment per organisation is its services: customers can be tied to those."""

    __tablename__ = "segment"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(40))
    is_service: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: Asked in the questionnaire of whoever has no value for it (optional for them); the
    #: answer travels only in their ballot, never onto their record.
    is_asked: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = created_at_column()

    values: so.Mapped[list[SegmentValue]] = so.relationship(
        back_populates="segment", order_by="SegmentValue.name", cascade="all, delete-orphan")


class SegmentValue(db.Model):
    __tablename__ = "segment_value"
    __table_args__ = (sa.UniqueConstraint("segment_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    segment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(60))

    segment: so.Mapped[Segment] = so.relationship(back_populates="values")


class MemberSegment(db.Model):
    """A person's value of one segment (at most one per segment)."""

    __tablename__ = "member_segment"

    membership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation_membership.id", ondelete="CASCADE"), primary_key=True)
    segment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True)
    value_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("segment_value.id", ondelete="CASCADE"), index=True)


class SegmentGroup(db.Model):
    """A group of a published round that may be shown: one segment value (or department), or two
    combined, or a service's customers. Written once at release (``results.segment_tally``), with its
    names as they were then, so renaming or deleting a segment later changes nothing shown."""

    __tablename__ = "segment_group"

    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), primary_key=True)
    #: e.g. "s12" (segment value 12), "d3" (department 3; "d0" the other departments),
    #: "s12+s31" (both), "c12" (the customers of service 12).
    grp: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    #: [[segment name, value name], ...] as published.
    label: so.Mapped[list] = so.mapped_column(sa.JSON)
    n: so.Mapped[int]
    #: What the group's employees would change (the open question), in a random order; only
    #: where the rule, applied with the comment minimum, shows the group's comments; removed
    #: with the raw answers at the end of the retention period.
    comments: so.Mapped[list | None] = so.mapped_column(sa.JSON)


class SegmentTally(db.Model):
    """The aggregates of one shown group, in the shape of ``RoundTally`` (``results.tally``).
    Only what may be shown is stored: a hidden group or cell has no row at all."""

    __tablename__ = "segment_tally"

    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), primary_key=True)
    grp: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    n: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    total: so.Mapped[float] = so.mapped_column(sa.Float(precision=53), default=0.0)
    squares: so.Mapped[float] = so.mapped_column(sa.Float(precision=53), default=0.0)
