"""Every mutation of a consultancy: creating it with its first consultant, its consultants, its
name, colour and logo."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.services import get_or_create_user, send_invitation
from ..audit import services as audit
from ..extensions import db
from ..organisations.services import AlreadyMember
from ..slugs import unique_slug
from ..tenancy.models import ConsultantMembership, Consultancy

log = logging.getLogger(__name__)


def create_consultancy(name: str, consultant_name: str, consultant_email: str, *, inviter: User) -> Consultancy:
    consultancy = Consultancy(name=name.strip(), slug=unique_slug(Consultancy, name))
    db.session.add(consultancy)
    db.session.flush()
    add_consultant(consultancy, consultant_name, consultant_email, inviter=inviter)
    log.info("consultancy created id=%s", consultancy.id)
    return consultancy


def add_consultant(consultancy: Consultancy, name: str, email: str, *, inviter: User) -> ConsultantMembership:
    user, _created = get_or_create_user(email, name)
    exists = db.session.scalar(
        sa.select(ConsultantMembership).where(
            ConsultantMembership.consultancy_id == consultancy.id, ConsultantMembership.user_id == user.id
        )
    )
    if exists is not None:
        raise AlreadyMember(email)
    membership = ConsultantMembership(consultancy_id=consultancy.id, user_id=user.id, name=name.strip())
    db.session.add(membership)
    db.session.flush()
    send_invitation(user, context=consultancy.name, inviter=inviter, sender=consultancy.name, consultancy_id=consultancy.id)
    audit.record("consultant_added", consultancy_id=consultancy.id, obj=membership)
    log.info("consultant added consultancy=%s user=%s", consultancy.id, user.id)
    return membership


def update_consultancy(consultancy: Consultancy, *, name: str, primary_color: str,
                       logo: tuple[bytes, str] | None, remove_logo: bool) -> None:
    consultancy.name = name.strip()
    consultancy.primary_color = primary_color.lower()
    if logo is not None:
        consultancy.logo, consultancy.logo_mimetype = logo
    elif remove_logo:
        consultancy.logo, consultancy.logo_mimetype = None, None
    log.info("consultancy settings updated id=%s", consultancy.id)


def remove_consultant(membership: ConsultantMembership) -> None:
    audit.record("consultant_removed", consultancy_id=membership.consultancy_id, obj=membership)
    db.session.delete(membership)
    log.info("consultant removed membership=%s", membership.id)
