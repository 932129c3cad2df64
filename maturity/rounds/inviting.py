"""Inviting a round's employees (everyone eligible, or a director who answers too) and
reminding those who have not answered, through the outbox."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts.models import User
from ..accounts.tokens import INVITATION, make_token
from ..extensions import db
from ..i18n import locale_for
from ..mail.branding import Sender
from ..mail.services import send_template_mail, write_outbox
from ..models_base import utcnow
from ..tenancy.hosts import external_url
from ..tenancy.branding import organisation_sender
from ..tenancy.models import Organisation, OrganisationMembership
from ..utils import chunks
from . import links, populations
from .models import Invitation, Round
from .services import RoundStateError, eligible_members, today

log = logging.getLogger(__name__)

REMINDER_INTERVAL = timedelta(days=2)


def invite_employees(round_: Round) -> int:
    """Invite everyone eligible who has no invitation yet; returns how many were invited."""
    if not round_.is_open:
        raise RoundStateError("not open")
    already = sa.select(Invitation.user_id).where(Invitation.round_id == round_.id, Invitation.user_id.is_not(None))
    members = db.session.scalars(
        eligible_members(round_).where(OrganisationMembership.user_id.not_in(already))
    ).all()
    now = utcnow()
    if not members:
        return 0
    populations.check(round_, populations.invited(round_.id) | {(m.user_id, m.department_id) for m in members}, today())
    # One statement for all, then the rows back (a few per 900 people) for the mails, which need ids.
    db.session.execute(sa.insert(Invitation), [
        {"round_id": round_.id, "organisation_id": round_.organisation_id, "user_id": m.user_id,
         "department_id": m.department_id, "invited_at": now} for m in members])
    invitations = []
    for chunk in chunks([m.user_id for m in members], 900):
        invitations += db.session.scalars(sa.select(Invitation).where(
            Invitation.round_id == round_.id, Invitation.user_id.in_(chunk))).all()
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_([m.user_id for m in members])))}
    org = db.session.get(Organisation, round_.organisation_id)
    brand = organisation_sender(org)
    for invitation in invitations:
        _mail_invitation(invitation, "mail/round_invitation.txt", user=users[invitation.user_id], org=org, is_new=True,
                         brand=brand)
    write_outbox()
    log.info("round %s: %s invited", round_.id, len(members))
    return len(members)


def invite_self(round_: Round, user_id: int) -> Invitation:
    """A director who wants to answer too: their own invitation (no mail; they are here)."""
    if not round_.is_open:
        raise RoundStateError("not open")
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.user_id == user_id))
    if invitation is None:
        membership = db.session.scalar(sa.select(OrganisationMembership).where(
            OrganisationMembership.organisation_id == round_.organisation_id, OrganisationMembership.user_id == user_id))
        department_id = membership.department_id if membership else None
        populations.check(round_, populations.invited(round_.id) | {(user_id, department_id)}, today())
        invitation = Invitation(round_id=round_.id, organisation_id=round_.organisation_id, user_id=user_id,
                                department_id=department_id, invited_at=utcnow())
        db.session.add(invitation)
        db.session.flush()
        log.info("round %s: a director chose to answer", round_.id)
    return invitation


def send_reminders(round_: Round, *, now: datetime | None = None) -> int:
    """Remind those who have not submitted, did not opt out, and were neither invited nor
    reminded within the interval (an invitation sent at 07:59 is not followed by a reminder at
    08:00)."""
    if not round_.is_accepting(today()):
        return 0
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.round_id == round_.id,
            Invitation.submitted_at.is_(None),
            Invitation.has_opted_out_of_reminders.is_(False),
            Invitation.user_id.is_not(None),
            sa.or_(Invitation.last_reminded_at.is_(None), Invitation.last_reminded_at < now - REMINDER_INTERVAL),
            sa.or_(Invitation.invited_at.is_(None), Invitation.invited_at < now - REMINDER_INTERVAL),
        )
    ).all()
    for invitation in due:
        invitation.last_reminded_at = now
        invitation.reminder_count += 1
        _mail_invitation(invitation, "mail/round_reminder.txt")
    log.info("round %s: %s reminded", round_.id, len(due))
    return len(due)


def _mail_invitation(invitation: Invitation, template: str, *, user: User | None = None, org: Organisation | None = None,
                     is_new: bool = False, brand: Sender | None = None) -> None:
    round_ = invitation.round
    user = user or invitation.user
    org = org or db.session.get(Organisation, round_.organisation_id)
    token = links.invitation_token(invitation.id, invitation.nonce)
    with force_locale(locale_for(user)):
        subject = (_("Reminder: %(title)s", title=round_.title) if "reminder" in template
                   else _("%(org)s asks for your view: %(title)s", org=org.name, title=round_.title))
        is_reminder = "reminder" in template
        # Someone without an account can activate one from the same mail (to read the published
        # plan later); answering never needs it.
        account = (external_url("accounts.accept_invitation", org.consultancy_id, token=make_token(user, INVITATION))
                   if not is_reminder and not user.has_password else None)
        send_template_mail(
            user.email, subject, template, user=user, org=org, round=round_,
            link=external_url("respond_link.open_link", org.consultancy_id, token=token),
            opt_out=external_url("respond_link.reminders", org.consultancy_id, token=token),
            account=account, private=("link", "opt_out"), private_when_mailed=("account",) if account else (),
            # One mail per invitation, and one per reminder: a retried run sends nothing twice.
            key=(f"round-reminder:{invitation.id}:{invitation.reminder_count}" if is_reminder
                 else f"round-invitation:{invitation.id}"),
            kind="round-reminder" if is_reminder else "round-invitation",
            organisation_id=round_.organisation_id, round_id=round_.id, key_is_new=is_new,
            brand=brand or organisation_sender(org),
        )


