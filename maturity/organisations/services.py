"""Every mutation of a client organisation's people: adding them one by one or from a list,
their role and department, removing them; and creating the organisation itself."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.services import get_or_create_user, normalise_email, send_invitation
from ..audit import services as audit
from ..extensions import db
from ..mail.services import write_outbox
from ..rounds.models import Invitation, Round, RoundStatus
from ..segments.models import MemberSegment
from ..slugs import unique_slug
from ..tenancy.models import Consultancy, Department, Organisation, OrganisationMembership, OrgRole
from ..utils import chunks

log = logging.getLogger(__name__)


class AlreadyMember(Exception):
    """The person already belongs to this organisation or consultancy."""


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    department: str | None = None
    role: OrgRole = OrgRole.EMPLOYEE


def create_organisation(
    consultancy: Consultancy, name: str, sector: str | None, director: NewMember, *, inviter: User
) -> Organisation:
    org = Organisation(
        consultancy_id=consultancy.id, name=name.strip(), sector=(sector or "").strip() or None,
        slug=unique_slug(Organisation, name),
    )
    db.session.add(org)
    db.session.flush()
    add_member(org, NewMember(director.name, director.email, director.department, OrgRole.DIRECTOR), inviter=inviter)
    log.info("organisation created id=%s consultancy=%s", org.id, consultancy.id)
    return org


def department_named(org: Organisation, name: str | None) -> Department | None:
    """The organisation's department with this name (case-insensitive), created if new."""
    name = " ".join((name or "").split())
    if not name:
        return None
    department = db.session.scalar(
        sa.select(Department).where(Department.organisation_id == org.id, sa.func.lower(Department.name) == name.lower())
    )
    if department is None:
        department = Department(organisation_id=org.id, name=name)
        db.session.add(department)
        db.session.flush()
    return department


def needs_account_mail(role: OrgRole) -> bool:
    """Directors need an account to run rounds; employees answer through the personal link in
    each round's invitation, which also offers them an account. One mail per person per round."""
    return role is not OrgRole.EMPLOYEE


def add_member(org: Organisation, new: NewMember, *, inviter: User, notify: bool = True) -> OrganisationMembership:
    user, _created = get_or_create_user(new.email, new.name)
    exists = db.session.scalar(
        sa.select(OrganisationMembership.id).where(
            OrganisationMembership.organisation_id == org.id, OrganisationMembership.user_id == user.id
        )
    )
    if exists is not None:
        raise AlreadyMember(new.email)
    department = department_named(org, new.department)
    membership = OrganisationMembership(
        organisation_id=org.id, user_id=user.id, role=new.role, department_id=department.id if department else None,
        name=new.name.strip(),
    )
    db.session.add(membership)
    db.session.flush()
    audit.record("member_added", organisation_id=org.id, obj=membership, role=new.role.value)
    if notify and needs_account_mail(new.role):
        send_invitation(user, context=org.name, inviter=inviter, sender=org.consultancy.name,
                        key=f"member-invitation:{membership.id}", organisation_id=org.id)
    log.info("member added org=%s user=%s role=%s", org.id, user.id, new.role.value)
    return membership


class Imported(NamedTuple):
    """What an import did: people added, people skipped (already members, or twice in the list),
    and invitations recorded in the outbox (only for roles that need an account: employees are
    mailed when a round invites them)."""

    added: int
    skipped: int
    invited: int


def import_members(org: Organisation, members: list[NewMember], *, inviter: User) -> Imported:
    """Add every new person; people already in the organisation are skipped. In bulk: the same
    few statements for any number of people, and the invitations recorded in the outbox for the
    worker."""
    emails = list(dict.fromkeys(normalise_email(m.email) for m in members))
    user_ids = {}
    for chunk in chunks(emails, 900):
        user_ids.update(db.session.execute(sa.select(User.email, User.id).where(User.email.in_(chunk))).all())
    already = set(db.session.scalars(sa.select(OrganisationMembership.user_id).where(
        OrganisationMembership.organisation_id == org.id)))
    departments = {d.name.lower(): d for d in db.session.scalars(sa.select(Department).where(
        Department.organisation_id == org.id))}
    rows, skipped, seen = [], 0, set()
    for new in members:
        email = normalise_email(new.email)
        if email in seen or user_ids.get(email) in already:
            skipped += 1
            continue
        seen.add(email)
        rows.append((new, email, _department(org, new.department, departments)))
    if not rows:
        return Imported(0, skipped, 0)
    db.session.flush()  # new departments
    new_users = [{"email": email, "name": new.name.strip()} for new, email, _d in rows if email not in user_ids]
    if new_users:
        user_ids.update(db.session.execute(sa.insert(User).returning(User.email, User.id), new_users).all())
    db.session.execute(sa.insert(OrganisationMembership).returning(OrganisationMembership.id), [
        {"organisation_id": org.id, "user_id": user_ids[email], "role": new.role,
         "department_id": department.id if department else None, "name": new.name.strip()}
        for new, email, department in rows])
    ids = [user_ids[email] for _new, email, _d in rows]
    users, memberships = {}, {}
    for chunk in chunks(ids, 900):
        users.update({u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(chunk)))})
        memberships.update(db.session.execute(sa.select(OrganisationMembership.user_id, OrganisationMembership.id).where(
            OrganisationMembership.organisation_id == org.id, OrganisationMembership.user_id.in_(chunk))).all())
    roles = {user_ids[email]: new.role for new, email, _d in rows}
    invited = 0
    for user_id in ids:
        if needs_account_mail(roles[user_id]):
            send_invitation(users[user_id], context=org.name, inviter=inviter, sender=org.consultancy.name,
                            key=f"member-invitation:{memberships[user_id]}", organisation_id=org.id, key_is_new=True)
            invited += 1
    write_outbox()
    audit.record("member_added", organisation_id=org.id, imported=len(rows))
    log.info("members imported org=%s added=%s skipped=%s invited=%s", org.id, len(rows), skipped, invited)
    return Imported(len(rows), skipped, invited)


def _department(org: Organisation, name: str | None, known: dict[str, Department]) -> Department | None:
    name = " ".join((name or "").split())
    if not name:
        return None
    if name.lower() not in known:
        known[name.lower()] = Department(organisation_id=org.id, name=name)
        db.session.add(known[name.lower()])
    return known[name.lower()]


def update_member(membership: OrganisationMembership, *, role: OrgRole, department: str | None,
                  name: str | None = None) -> None:
    org = db.session.get(Organisation, membership.organisation_id)
    membership.role = role
    if name:
        membership.name = name.strip()
    dept = department_named(org, department)
    membership.department_id = dept.id if dept else None
    audit.record("member_changed", organisation_id=membership.organisation_id, obj=membership, role=role.value)
    log.info("member updated membership=%s", membership.id)


def remove_member(membership: OrganisationMembership) -> None:
    audit.record("member_removed", organisation_id=membership.organisation_id, obj=membership)
    db.session.delete(membership)
    log.info("member removed membership=%s", membership.id)


def leave(membership: OrganisationMembership, *, action: str = "member_left", **detail) -> bool:
    """The person left the organisation (their directory or HR system says so): their open
    invitations are withdrawn (a new nonce: the personal link stops working; the draft goes; no
    reminders) and the membership ends. What they answered stays in the round, unlinked as every
    answer is; the response rates do not change. The organisation's last director is kept (no one
    would be left to run it); their invitations are still withdrawn. Returns whether the
    membership ended. ``action`` and ``detail`` go to the audit trail."""
    open_rounds = sa.select(Round.id).where(Round.organisation_id == membership.organisation_id,
                                            Round.status != RoundStatus.CLOSED)
    db.session.execute(
        sa.update(Invitation).where(Invitation.user_id == membership.user_id,
                                    Invitation.organisation_id == membership.organisation_id,
                                    Invitation.submitted_at.is_(None), Invitation.round_id.in_(open_rounds))
        .values(nonce=secrets.token_hex(8), sealed_draft=None, has_opted_out_of_reminders=True)
        .execution_options(synchronize_session=False))
    if membership.role is OrgRole.DIRECTOR and count_directors(db.session.get(Organisation, membership.organisation_id)) <= 1:
        audit.record(action, organisation_id=membership.organisation_id, obj=membership, kept="last_director", **detail)
        return False
    audit.record(action, organisation_id=membership.organisation_id, obj=membership, **detail)
    db.session.execute(sa.delete(MemberSegment).where(MemberSegment.membership_id == membership.id))
    db.session.delete(membership)
    db.session.flush()
    log.info("member left membership=%s", membership.id)
    return True


def count_directors(org: Organisation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            OrganisationMembership.organisation_id == org.id, OrganisationMembership.role == OrgRole.DIRECTOR
        )
    )
