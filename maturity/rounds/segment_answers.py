"""The segments in a respondent's ballot: the values recorded for the person, and those they
chose in the questionnaire for the segments the organisation asks about (``segments``). A
ballot carries them to the close, where they are only added up (``results.segment_tally``)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from ..extensions import db
from ..segments.models import MemberSegment, Segment
from ..tenancy.models import OrganisationMembership
from .models import Invitation


#: Draft keys of the segments a respondent was asked about ("segment.<segment id>" -> value id).
ASKED_PREFIX = "segment."


def asked_segments(invitation_id: int) -> list[Segment]:
    """The segments the questionnaire asks this respondent: those the organisation asks about
    and the person has no value for."""
    known = sa.select(MemberSegment.segment_id).join(
        OrganisationMembership, OrganisationMembership.id == MemberSegment.membership_id).join(
        Invitation, sa.and_(Invitation.organisation_id == OrganisationMembership.organisation_id,
                            Invitation.user_id == OrganisationMembership.user_id)).where(Invitation.id == invitation_id)
    return list(db.session.scalars(
        sa.select(Segment).join(Invitation, Invitation.organisation_id == Segment.organisation_id)
        .where(Invitation.id == invitation_id, Segment.is_asked.is_(True), Segment.id.not_in(known))
        .order_by(Segment.name)))


def ballot_values(invitation_id: int, answered: Mapping[str, str]) -> list[int]:
    """What a ballot carries: the person's recorded values, and for the segments they were asked
    about, the value they chose (only one of that segment's own values counts)."""
    values = invitation_values(invitation_id)
    for segment in asked_segments(invitation_id):
        chosen = answered.get(f"{ASKED_PREFIX}{segment.id}", "")
        values += [v.id for v in segment.values if str(v.id) == chosen]
    return values


def invitation_values(invitation_id: int) -> list[int]:
    """The segment values of the person invited (what their ballot carries), one query."""
    return list(db.session.scalars(
        sa.select(MemberSegment.value_id)
        .join(OrganisationMembership, OrganisationMembership.id == MemberSegment.membership_id)
        .join(Invitation, sa.and_(Invitation.organisation_id == OrganisationMembership.organisation_id,
                                  Invitation.user_id == OrganisationMembership.user_id))
        .where(Invitation.id == invitation_id).order_by(MemberSegment.segment_id)))
