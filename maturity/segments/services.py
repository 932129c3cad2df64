"""Every change to an organisation's segments, their values and its people's values.

A refusal is a :class:`SegmentError` with a code (and the names a message needs), translated by
the view. Names are compared the way people read them: case-insensitive, spaces collapsed. What
a published round shows per segment is stored with its names (``results.segment_tally``): renaming or
deleting here changes none of it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..accounts.models import User
from ..extensions import db
from ..people_csv import is_reserved_header
from ..tenancy.models import Organisation, OrganisationMembership
from ..utils import chunks
from .models import MAX_SEGMENTS, MAX_VALUES, MemberSegment, Segment, SegmentValue

log = logging.getLogger(__name__)

SEGMENT_NAME_MAX = 40
VALUE_NAME_MAX = 60


class SegmentError(Exception):
    """A change to segments that is refused; ``code`` says why (the view words it)."""
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def clean_name(name: str | None) -> str:
    """Trimmed, inner whitespace (line breaks too) collapsed to one space, NULs dropped."""
    return " ".join((name or "").replace("\x00", "").split())


def segments_of(org_id: int) -> list[Segment]:
    """The organisation's segments in the order they were made (as the results show them),
    with their values (alphabetical)."""
    return list(db.session.scalars(
        sa.select(Segment).where(Segment.organisation_id == org_id).order_by(Segment.id)
        .options(so.selectinload(Segment.values))))


def _check_segment_name(org_id: int, name: str, *, other_than: int | None = None) -> str:
    name = clean_name(name)
    if not name:
        raise SegmentError("name_missing")
    if len(name) > SEGMENT_NAME_MAX:
        raise SegmentError("name_too_long", max=SEGMENT_NAME_MAX)
    if is_reserved_header(name):
        raise SegmentError("name_reserved", name=name)
    query = sa.select(Segment.id).where(Segment.organisation_id == org_id, sa.func.lower(Segment.name) == name.lower())
    if other_than is not None:
        query = query.where(Segment.id != other_than)
    if db.session.scalar(query) is not None:
        raise SegmentError("name_taken", name=name)
    return name


def _check_service(org_id: int, *, other_than: int | None = None) -> None:
    query = sa.select(Segment.name).where(Segment.organisation_id == org_id, Segment.is_service)
    if other_than is not None:
        query = query.where(Segment.id != other_than)
    existing = db.session.scalar(query)
    if existing is not None:
        raise SegmentError("service_taken", name=existing)


def create_segment(org: Organisation, name: str, *, is_service: bool = False, is_asked: bool = False) -> Segment:
    count = db.session.scalar(sa.select(sa.func.count()).where(Segment.organisation_id == org.id))
    if count >= MAX_SEGMENTS:
        raise SegmentError("too_many_segments", max=MAX_SEGMENTS)
    name = _check_segment_name(org.id, name)
    if is_service:
        _check_service(org.id)
    segment = Segment(organisation_id=org.id, name=name, is_service=bool(is_service), is_asked=bool(is_asked))
    db.session.add(segment)
    db.session.flush()
    log.info("segment created org=%s segment=%s service=%s", org.id, segment.id, segment.is_service)
    return segment


def update_segment(segment: Segment, name: str, *, is_service: bool, is_asked: bool | None = None) -> None:
    """Rename the segment, mark it as the services (or not), and as asked in the questionnaire."""
    name = _check_segment_name(segment.organisation_id, name, other_than=segment.id)
    if is_service and not segment.is_service:
        _check_service(segment.organisation_id, other_than=segment.id)
    segment.name, segment.is_service = name, bool(is_service)
    if is_asked is not None:
        segment.is_asked = bool(is_asked)
    db.session.flush()
    log.info("segment changed segment=%s service=%s", segment.id, segment.is_service)


def delete_segment(segment: Segment) -> None:
    """The segment, its values and everyone's value of it. Published figures keep their names."""
    db.session.execute(sa.delete(MemberSegment).where(MemberSegment.segment_id == segment.id))
    db.session.delete(segment)
    db.session.flush()
    log.info("segment deleted segment=%s", segment.id)


def _check_value_name(segment: Segment, name: str, *, other_than: int | None = None) -> str:
    name = clean_name(name)
    if not name:
        raise SegmentError("value_name_missing")
    if len(name) > VALUE_NAME_MAX:
        raise SegmentError("value_name_too_long", max=VALUE_NAME_MAX)
    query = sa.select(SegmentValue.id).where(SegmentValue.segment_id == segment.id,
                                             sa.func.lower(SegmentValue.name) == name.lower())
    if other_than is not None:
        query = query.where(SegmentValue.id != other_than)
    if db.session.scalar(query) is not None:
        raise SegmentError("value_name_taken", name=name, segment=segment.name)
    return name


def add_value(segment: Segment, name: str) -> SegmentValue:
    count = db.session.scalar(sa.select(sa.func.count()).where(SegmentValue.segment_id == segment.id))
    if count >= MAX_VALUES:
        raise SegmentError("too_many_values", max=MAX_VALUES, segment=segment.name)
    name = _check_value_name(segment, name)
    value = SegmentValue(segment_id=segment.id, organisation_id=segment.organisation_id, name=name)
    db.session.add(value)
    db.session.flush()
    db.session.expire(segment, ["values"])
    log.info("segment value added segment=%s value=%s", segment.id, value.id)
    return value


def rename_value(value: SegmentValue, name: str) -> None:
    value.name = _check_value_name(value.segment, name, other_than=value.id)
    db.session.flush()
    log.info("segment value renamed value=%s", value.id)


def delete_value(value: SegmentValue) -> None:
    """The value and everyone's having it (they are left without a value for its segment)."""
    segment = value.segment
    db.session.execute(sa.delete(MemberSegment).where(MemberSegment.value_id == value.id))
    db.session.delete(value)
    db.session.flush()
    db.session.expire(segment, ["values"])
    log.info("segment value deleted value=%s", value.id)


def people_per_value(org_id: int) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(MemberSegment.value_id, sa.func.count())
        .join(OrganisationMembership, OrganisationMembership.id == MemberSegment.membership_id)
        .where(OrganisationMembership.organisation_id == org_id)
        .group_by(MemberSegment.value_id)).all())


def member_values(membership_ids: Iterable[int]) -> dict[int, dict[int, SegmentValue]]:
    """membership id -> segment id -> value, for the people listed (one query)."""
    ids = list(membership_ids)
    found: dict[int, dict[int, SegmentValue]] = defaultdict(dict)
    if not ids:
        return found
    for membership_id, value in db.session.execute(
            sa.select(MemberSegment.membership_id, SegmentValue)
            .join(SegmentValue, SegmentValue.id == MemberSegment.value_id)
            .where(MemberSegment.membership_id.in_(ids))):
        found[membership_id][value.segment_id] = value
    return found


def set_member_value(membership: OrganisationMembership, segment: Segment, value: SegmentValue | None) -> None:
    """Give the person this value of the segment, or none (``value`` None)."""
    if segment.organisation_id != membership.organisation_id:
        raise SegmentError("value_not_in_segment", segment=segment.name)
    if value is not None and (value.segment_id != segment.id or value.organisation_id != membership.organisation_id):
        raise SegmentError("value_not_in_segment", segment=segment.name)
    row = db.session.get(MemberSegment, (membership.id, segment.id))
    if value is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(MemberSegment(membership_id=membership.id, segment_id=segment.id, value_id=value.id))
    else:
        row.value_id = value.id
    db.session.flush()


# --- the people list (CSV) -------------------------------------------------------------------

@dataclass
class ImportValues:
    """What a list's segment columns do to the organisation's values.

    ``new`` lists the values to create per segment (as first written in the file); a value
    beyond the segment's room makes each row with it invalid (``segment_full:<segment>``)."""
    segments: dict[str, Segment] = field(default_factory=dict)
    new: dict[str, list[str]] = field(default_factory=dict)

    def is_new(self, segment_name: str, value: str) -> bool:
        return value.lower() in {v.lower() for v in self.new.get(segment_name, ())}


def check_import_values(org_id: int, rows: Iterable) -> ImportValues:
    """Decide which unknown values of the parsed rows (``people_csv.ParsedRow``, their
    ``segments``: segment name -> value) are created, and mark the rows whose value finds no
    room. Rows that are already invalid create nothing."""
    plan = ImportValues(segments={s.name: s for s in segments_of(org_id)})
    known = {name: {v.name.lower() for v in s.values} for name, s in plan.segments.items()}
    for row in rows:
        if not row.is_valid:
            continue
        fresh, full = [], []
        for segment_name, value in row.segments.items():
            segment = plan.segments.get(segment_name)
            if segment is None or value.lower() in known[segment_name] or plan.is_new(segment_name, value):
                continue
            if len(segment.values) + len(plan.new.get(segment_name, ())) >= MAX_VALUES:
                full.append(segment_name)
            else:
                fresh.append((segment_name, value))
        if full:  # the row is skipped: none of its new values is made either
            row.errors.extend(f"segment_full:{name}" for name in full)
            continue
        for segment_name, value in fresh:
            plan.new.setdefault(segment_name, []).append(value)
    return plan


def apply_import_values(org: Organisation, plan: ImportValues, by_email: Mapping[str, Mapping[str, str]]) -> int:
    """Create the plan's new values and give the people (by email, members of ``org``) their
    values; a value left empty in the file changes nothing. Returns how many people got values."""
    for segment_name, names in plan.new.items():
        segment = plan.segments[segment_name]
        for name in names:
            add_value(segment, name)
    values = {(s.name, v.name.lower()): v for s in segments_of(org.id) for v in s.values}
    wanted = {email: cells for email, cells in by_email.items() if cells}
    if not wanted:
        return 0

    memberships: dict[str, int] = {}
    for chunk in chunks(list(wanted), 900):
        memberships.update(db.session.execute(
            sa.select(User.email, OrganisationMembership.id)
            .join(OrganisationMembership, OrganisationMembership.user_id == User.id)
            .where(OrganisationMembership.organisation_id == org.id, User.email.in_(chunk))).all())
    rows = []
    for email, cells in wanted.items():
        membership_id = memberships.get(email)
        if membership_id is None:
            continue
        for segment_name, value_name in cells.items():
            value = values.get((segment_name, value_name.lower()))
            if value is not None:
                rows.append({"membership_id": membership_id, "segment_id": value.segment_id, "value_id": value.id})
    if not rows:
        return 0
    by_segment: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        by_segment[r["segment_id"]].append(r["membership_id"])
    for segment_id, ids in by_segment.items():
        for chunk in chunks(ids, 900):
            db.session.execute(sa.delete(MemberSegment).where(MemberSegment.segment_id == segment_id,
                                                              MemberSegment.membership_id.in_(chunk)))
    db.session.execute(sa.insert(MemberSegment), rows)
    log.info("segment values imported org=%s rows=%s", org.id, len(rows))
    return len({r["membership_id"] for r in rows})


def services_of(org_id: int) -> list[SegmentValue]:
    """The organisation's services (the values of its service segment), by name: what a
    customer can be tied to."""
    return list(db.session.scalars(
        sa.select(SegmentValue).join(Segment, Segment.id == SegmentValue.segment_id)
        .where(Segment.organisation_id == org_id, Segment.is_service.is_(True)).order_by(SegmentValue.name)))
