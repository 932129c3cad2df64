"""Results back to every employee.

When the director first publishes a round's plan to employees, every invitee of the round
(whether they answered or not, with an account or without) is mailed once a link to a page
that needs no account: the organisation's phase, the mirror and the plan's actions, as the
results page shows them. The link names the round and is signed over the plan's nonce: it is
the same for everyone, says nothing about who received it, and expires ``LINK_DAYS`` after the
plan was first shared. Hiding the plan again hides the page; publishing it again shows it
again, and mails nobody a second time (``Invitation.results_shared_at``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts.models import User
from ..extensions import db
from ..i18n import locale_for, speaking_of
from ..tenancy.branding import organisation_sender
from ..tenancy.hosts import consultancy_of, external_url
from ..mail.services import send_template_mail, write_outbox
from ..models_base import MAX_ID, utcnow
from ..rounds import links
from ..rounds.models import Invitation, Round
from ..tenancy.models import Organisation
from ..utils import chunks
from .models import ActionPlan

log = logging.getLogger(__name__)

#: How long the shared link works, from the day the plan was first shared.
LINK_DAYS = 90
KIND = "results-shared"


def _recipients():
    """The people an invitee's mail can go to: one who still exists, is not shut out, and has an
    address (answered or not, with an account or not)."""
    return sa.select(User.id).where(User.is_deactivated.is_(False), User.email.is_not(None), User.email != "")


def share(round_: Round, plan: ActionPlan) -> int:
    """Mail every invitee of the round who has not been mailed the link yet; returns how many
    were mailed now. Called when the plan is published; doing it again mails nobody twice.

    The invitations are claimed with one UPDATE (… WHERE not yet shared), so two publishes at
    once cannot both mail someone; the mails go into the outbox in the same transaction, and
    the worker delivers them once it commits (``mail.services``)."""
    now = utcnow()
    if plan.shared_at is None:
        plan.shared_at = now
    if plan.share_nonce is None:
        plan.share_nonce = secrets.token_hex(16)
    claimed = db.session.execute(
        sa.update(Invitation).where(
            Invitation.round_id == round_.id, Invitation.results_shared_at.is_(None),
            Invitation.user_id.in_(_recipients()))
        .values(results_shared_at=now).returning(Invitation.id, Invitation.user_id)
        .execution_options(synchronize_session=False)).all()
    if not claimed:
        return 0
    users = {}
    for chunk in chunks([user_id for _id, user_id in claimed], 900):
        users.update({u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(chunk)))})
    org = db.session.get(Organisation, round_.organisation_id)
    link = share_url(round_, plan)
    expires = expires_at(plan)
    brand = organisation_sender(org)
    for invitation_id, user_id in sorted(claimed):
        user = users[user_id]
        with force_locale(locale_for(user)), speaking_of(org.customer_word):  # also outside its request
            send_template_mail(
                user.email, _("What came of “%(title)s”: the results and the plan of %(org)s",
                              title=round_.title, org=org.name),
                "mail/results_shared.txt", user=user, org=org, round=round_, link=link, expires=expires,
                # The same link for everyone, but still a key to the organisation's results: the
                # copy kept in the outbox never shows it.
                private=("link",),
                key=f"{KIND}:{invitation_id}", kind=KIND,
                organisation_id=round_.organisation_id, round_id=round_.id, key_is_new=True, brand=brand,
            )
    write_outbox()
    log.info("round %s: results shared with %s invitees", round_.id, len(claimed))
    return len(claimed)


def share_url(round_: Round, plan: ActionPlan) -> str | None:
    if plan.share_nonce is None:
        return None
    return external_url("shared.page", consultancy_of(round_.organisation_id),
                        token=links.results_token(round_.id, plan.share_nonce))


def expires_at(plan: ActionPlan) -> datetime | None:
    return plan.shared_at + timedelta(days=LINK_DAYS) if plan.shared_at else None


@dataclass(frozen=True)
class Sharing:
    """What the director's plan page says about the mail to every invitee."""

    #: People mailed the link so far (once each).
    mailed: int
    #: Invitees who would be mailed when the plan is published now.
    waiting: int
    link: str | None
    expires: datetime | None

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and utcnow() >= self.expires


def status(round_: Round, plan: ActionPlan | None) -> Sharing:
    mailed, waiting = db.session.execute(
        sa.select(sa.func.count(Invitation.results_shared_at),
                  sa.func.count(Invitation.id).filter(Invitation.results_shared_at.is_(None),
                                                      Invitation.user_id.in_(_recipients())))
        .where(Invitation.round_id == round_.id)).one()
    if plan is None:
        return Sharing(mailed, waiting, None, None)
    return Sharing(mailed, waiting, share_url(round_, plan), expires_at(plan))


# --- Opening the link ----------------------------------------------------------------------

OK, INVALID, WITHDRAWN, EXPIRED = "ok", "invalid", "withdrawn", "expired"


@dataclass(frozen=True)
class Opened:
    outcome: str
    round: Round | None = None
    plan: ActionPlan | None = None


def open_link(token: str) -> Opened:
    """What a shared link opens: the round and its plan, or why not (a link that was never
    valid, a plan no longer shared, a link past its date)."""
    head, _dot, signature = (token or "").partition(".")
    if not head.isdigit() or len(head) > 10 or int(head) > MAX_ID or len(signature) != 32:
        return Opened(INVALID)  # (an id beyond PostgreSQL's integer would be an error, not a 404)
    round_ = db.session.get(Round, int(head))
    plan = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == round_.id)) if round_ else None
    if plan is None or plan.share_nonce is None or not links.results_token_matches(token, round_.id, plan.share_nonce):
        return Opened(INVALID)
    if not plan.is_published or not round_.is_published:
        return Opened(WITHDRAWN, round_, plan)
    if utcnow() >= expires_at(plan):
        return Opened(EXPIRED, round_, plan)
    return Opened(OK, round_, plan)
