"""What the platform holds about one person, for their data-subject access request (AVG art. 15):
the account (with two-step sign-in and login sessions), memberships (with the name and
department each organisation gave them), invitations with their status, the messages sent to
them, the audit entries about them, and what features above this one hold (``hooks``: the
directory's records of them).
Answers are not in it: they are stored without any link to the person (docs/privacy.md)."""

from __future__ import annotations

import secrets
from html import unescape

import sqlalchemy as sa

from flask_babel import gettext as _

from ..accounts.models import RecoveryCode, User, UserSession
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..extensions import db
from ..mail.models import OutboxMessage
from ..models_base import utcnow
from ..plans.models import ActionItem
from ..reports.models import ReportVersion
from ..rounds.documents import forget_personal_pdfs
from ..rounds.models import Invitation, Round
from ..tenancy.models import ConsultantMembership, Consultancy, Department, Organisation, OrganisationMembership, OrgRole
from . import hooks


def _iso(value):
    return value.isoformat(timespec="seconds") if value is not None else None


def subject_data(user: User) -> dict:

    memberships = db.session.execute(
        sa.select(Organisation.name, OrganisationMembership.role, Department.name, OrganisationMembership.created_at,
                  OrganisationMembership.name)
        .join(Organisation, Organisation.id == OrganisationMembership.organisation_id)
        .outerjoin(Department, Department.id == OrganisationMembership.department_id)
        .where(OrganisationMembership.user_id == user.id)).all()
    consultancies = db.session.execute(
        sa.select(Consultancy.name, ConsultantMembership.created_at)
        .join(Consultancy, Consultancy.id == ConsultantMembership.consultancy_id)
        .where(ConsultantMembership.user_id == user.id)).all()
    invitations = db.session.execute(
        sa.select(Organisation.name, Round.title, Invitation.invited_at, Invitation.started_at, Invitation.submitted_at,
                  Invitation.reminder_count, Invitation.has_opted_out_of_reminders)
        .join(Round, Round.id == Invitation.round_id).join(Organisation, Organisation.id == Invitation.organisation_id)
        .where(Invitation.user_id == user.id).order_by(Invitation.id)).all()
    sessions = db.session.execute(
        sa.select(UserSession.created_at, UserSession.last_seen_at).where(UserSession.user_id == user.id)
        .order_by(UserSession.id)).all()
    messages = db.session.execute(
        sa.select(OutboxMessage.created_at, OutboxMessage.subject, OutboxMessage.kind, OutboxMessage.status,
                  OutboxMessage.sent_at)
        .where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)).all()
    recovery_left = db.session.scalar(sa.select(sa.func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    audit = db.session.execute(
        sa.select(AuditEntry.at, AuditEntry.action, AuditEntry.actor_id, AuditEntry.object_type, AuditEntry.object_id)
        .where(sa.or_(AuditEntry.actor_id == user.id,
                      sa.and_(AuditEntry.object_type == "User", AuditEntry.object_id == user.id)))
        .order_by(AuditEntry.id)).all()
    return {
        "account": {"email": user.email, "name": user.name, "language": user.locale, "created": _iso(user.created_at),
                    "last_login": _iso(user.last_login_at), "has_password": user.has_password,
                    "is_platform_admin": user.is_platform_admin, "is_deactivated": user.is_deactivated,
                    "two_step_sign_in": {"on_since": _iso(user.totp_enabled_at), "unused_recovery_codes": recovery_left}
                    if user.has_second_factor else None},
        "login_sessions": [{"started": _iso(started), "last_used": _iso(seen)} for started, seen in sessions],
        "organisations": [{"organisation": org, "role": role.value, "department": dept, "since": _iso(since),
                           "name_given_by_the_organisation": given}
                          for org, role, dept, since, given in memberships],
        "consultancies": [{"consultancy": name, "since": _iso(since)} for name, since in consultancies],
        "invitations": [{"organisation": org, "round": title, "invited": _iso(invited), "started": _iso(started),
                         "submitted": _iso(submitted), "reminders_sent": reminders, "reminders_switched_off": off}
                        for org, title, invited, started, submitted, reminders, off in invitations],
        "audit_entries": [{"at": _iso(at), "action": action, "by_you": actor == user.id,
                           "about_your_account": object_type == "User" and object_id == user.id}
                          for at, action, actor, object_type, object_id in audit],
        "messages": [{"written": _iso(written), "subject": subject, "kind": kind, "status": status, "sent": _iso(sent)}
                     for written, subject, kind, status, sent in messages],
        **_sections_of_other_features(user),
        "answers": _("Your answers to questionnaires are stored without any link to you, in a group of at least "
                     "the round's minimum, so they cannot be found, exported or told apart from others' answers. "
                     "Before a round closes they are sealed, and only the round can open them."),
    }


def _sections_of_other_features(user: User) -> dict:
    sections: dict = {}
    for _receiver, section in hooks.subject_data_collected.send(user):
        sections.update(section or {})
    return sections


def erase_person(user: User, *, by: User | None) -> None:
    """Erase a person on request (AVG art. 17): the account and everything that names them go;
    anonymous responses stay, since nothing links them to the person.

    - invitations stay as counts (response rates) but lose the link to the person, and with it
      any unsent draft and sealed personal result;
    - their messages in the outbox lose recipient and body;
    - audit entries keep the event but lose the name: the one change ever made to an entry;
    - the account, its sessions and memberships are deleted.
    The erasure itself is audited, without the name."""

    # Each organisation the person belonged to sees the erasure in its own trail; the platform's
    # trail has it once more if they belonged to none.
    organisations = list(db.session.scalars(sa.select(OrganisationMembership.organisation_id)
                                            .where(OrganisationMembership.user_id == user.id)))
    for organisation_id in organisations:
        audit.record("person_erased", actor=by, obj=user, organisation_id=organisation_id)
    if not organisations:
        audit.record("person_erased", actor=by, obj=user)
    _erase_everything(user)


def organisations_left_without_director(user: User) -> list[str]:
    """The organisations of which this person is the only director (named to the platform admin
    before an erasure: those clients would be left without anyone to manage them)."""

    mine = sa.select(OrganisationMembership.organisation_id).where(
        OrganisationMembership.user_id == user.id, OrganisationMembership.role == OrgRole.DIRECTOR)
    directors = (sa.select(OrganisationMembership.organisation_id, sa.func.count().label("n"))
                 .where(OrganisationMembership.role == OrgRole.DIRECTOR,
                        OrganisationMembership.organisation_id.in_(mine))
                 .group_by(OrganisationMembership.organisation_id).subquery())
    return list(db.session.scalars(sa.select(Organisation.name).join(directors, directors.c.organisation_id == Organisation.id)
                                   .where(directors.c.n == 1).order_by(Organisation.name)))


def _revoked() -> str:
    """A new nonce for an erased person's invitations: their personal links, and any browser
    session still holding one, stop working (an open session would otherwise write a new draft
    into the invitation the erasure has just emptied)."""
    return secrets.token_hex(8)


def _clear_owner_mentions(user: User, organisation_ids) -> None:
    """Action owners in these organisations' plans written as the person's name, address or
    the name an organisation gave them are emptied. Other mentions in free text (a first name
    alone, a sentence) cannot be found reliably: the erase pages ask the director to check."""

    given = db.session.scalars(sa.select(OrganisationMembership.name).where(
        OrganisationMembership.user_id == user.id, OrganisationMembership.organisation_id.in_(organisation_ids)))
    names = {name.strip().lower() for name in (user.name, user.email, *given) if name and name.strip()}
    db.session.execute(sa.update(ActionItem).where(
        ActionItem.organisation_id.in_(organisation_ids),
        sa.func.lower(sa.func.trim(ActionItem.owner)).in_(names)).values(owner=None)
        .execution_options(synchronize_session=False))
    # A published report kept as issued that names the person is withdrawn: the next download
    # issues a new version without the name (a record does not outweigh an erasure).
    versions = db.session.execute(sa.select(ReportVersion.id, ReportVersion.html).join(
        Round, Round.id == ReportVersion.round_id).where(Round.organisation_id.in_(organisation_ids))).all()
    withdrawn = [vid for vid, html in versions if any(name in unescape(html).lower() for name in names)]
    if withdrawn:
        db.session.execute(sa.delete(ReportVersion).where(ReportVersion.id.in_(withdrawn)))


def _erase_everything(user: User) -> None:

    email = user.email
    db.session.flush()
    hooks.person_erased.send(user, organisation_ids=None)  # e.g. the directory's record of them
    _clear_owner_mentions(user, sa.select(OrganisationMembership.organisation_id).where(
        OrganisationMembership.user_id == user.id))  # a subquery: no list fetched first
    db.session.execute(sa.update(Invitation).where(Invitation.user_id == user.id)
                       .values(user_id=None, sealed_draft=None, sealed_result=None, nonce=_revoked())
                       .execution_options(synchronize_session=False))
    forget_personal_pdfs(utcnow())  # the PDF of a personal result goes with it
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient == email)
                       .values(recipient=None, body_text=None, body_sealed=None, html_sealed=None)
                       .execution_options(synchronize_session=False))
    # Core, not the ORM: the application's append-only guard allows this one pseudonymisation.
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.actor_id == user.id)
                       .values(actor_id=None, actor_email=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.actor_email == email)
                       .values(actor_email=None).execution_options(synchronize_session=False))
    db.session.delete(user)
    db.session.flush()


def has_ties_elsewhere(user: User, organisation_id: int) -> bool:
    """Whether anything outside this organisation involves the person: a role elsewhere (another
    client, a consultancy, the platform), or a past there (invitations, mail, an audit trail):
    then the account is not this organisation's to delete. A person removed from another client
    still has a past there, which that client's trail and response rates refer to."""

    if user.is_platform_admin:
        return True
    elsewhere = [
        sa.select(OrganisationMembership.id).where(OrganisationMembership.user_id == user.id,
                                                   OrganisationMembership.organisation_id != organisation_id),
        sa.select(ConsultantMembership.id).where(ConsultantMembership.user_id == user.id),
        sa.select(Invitation.id).where(Invitation.user_id == user.id, Invitation.organisation_id != organisation_id),
        sa.select(OutboxMessage.id).where(OutboxMessage.recipient == user.email,
                                          OutboxMessage.organisation_id != organisation_id),
        sa.select(AuditEntry.id).where(AuditEntry.actor_id == user.id, AuditEntry.organisation_id != organisation_id),
    ]
    return bool(db.session.scalar(sa.select(sa.or_(*(q.exists() for q in elsewhere)))))


def erase_from_organisation(user: User, organisation_id: int, *, by: User | None) -> bool:
    """A director erases a person of their organisation on request: everything about the person
    *in this organisation* goes (the membership, the link from this organisation's invitations
    with any draft and personal result, this organisation's messages to them, their name in this
    organisation's trail), and the account too when nothing outside this organisation involves
    them (``has_ties_elsewhere``). Which of the two happened is not said to the director (nor put
    in the organisation's trail): it would tell them whether an address is known elsewhere.
    Returns whether the account was deleted."""
    audit.record("person_erased", actor=by, obj=user, organisation_id=organisation_id)
    if not has_ties_elsewhere(user, organisation_id):
        # The account's own deletion is recorded for the platform admins only.
        audit.record("person_erased", actor=by, obj=user, scope="account")
        _erase_everything(user)
        return True
    db.session.flush()
    hooks.person_erased.send(user, organisation_ids=[organisation_id])
    _clear_owner_mentions(user, [organisation_id])
    db.session.execute(sa.update(Invitation).where(Invitation.user_id == user.id,
                                                   Invitation.organisation_id == organisation_id)
                       .values(user_id=None, sealed_draft=None, sealed_result=None, nonce=_revoked())
                       .execution_options(synchronize_session=False))
    forget_personal_pdfs(utcnow())  # the PDF of a personal result goes with it
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient == user.email,
                                                      OutboxMessage.organisation_id == organisation_id)
                       .values(recipient=None, body_text=None, body_sealed=None, html_sealed=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.actor_id == user.id,
                                                   AuditEntry.organisation_id == organisation_id)
                       .values(actor_id=None, actor_email=None).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(OrganisationMembership).where(OrganisationMembership.user_id == user.id,
                                                               OrganisationMembership.organisation_id == organisation_id))
    db.session.flush()
    return False
