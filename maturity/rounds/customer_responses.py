"""Customers of a round: their responses through the public link, a service's link or a personal
link, the personal links sent by mail, the link paused, the counts a director sees."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import DONT_KNOW
from ..extensions import db
from ..instrument import load_instrument
from ..i18n import speaking_of
from ..mail.services import send_template_mail
from ..models_base import utcnow
from ..tenancy.hosts import external_url
from ..tenancy.branding import organisation_sender
from ..tenancy.models import Organisation
from . import ballots, links
from .models import (
    CustomerArrival,
    CustomerInvitation,
    CustomerResponse,
    Round,
    RoundStatus,
)
from .questionnaire import customer_keys
from .services import RoundStateError, lock_round, today
from .submission import RoundNotAccepting

log = logging.getLogger(__name__)


class CustomerCapReached(Exception):
    pass


class CustomerLinkUsed(Exception):
    pass


def submit_customer_response(round_: Round, answers: dict[str, str], comment: str, language: str,
                             invitation: CustomerInvitation | None = None, service_id: int | None = None) -> None:
    """Put one customer's answers into the ballot box, like an employee's: through the public
    link (``invitation`` None), or once through a personal link. Nothing points from the ballot
    (or, after close, the response) at the invitation; only the day is counted, apart. The
    service the customer dealt with (the personal link's, or the service's own link's, or the
    one they chose) travels in the ballot; their answers count for it only where enough
    customers of that service answered (``results.segment_tally``)."""
    public = invitation is None
    # Exclusive: the count below and this insert must not interleave with another customer's,
    # or parallel submissions would each see room under the cap and all be stored.
    if lock_round(round_.id, for_update=True) is not RoundStatus.OPEN or (public and round_.is_customer_link_paused):
        raise RoundNotAccepting()  # nothing may change a round's figures after publication
    if not public:
        marked = db.session.execute(
            sa.update(CustomerInvitation).where(CustomerInvitation.id == invitation.id, CustomerInvitation.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if marked != 1:
            raise CustomerLinkUsed()
    if customer_response_count(round_) >= round_.customer_cap:
        raise CustomerCapReached()
    instrument = load_instrument(round_.instrument_version)
    complete = {key: answers.get(key, DONT_KNOW) for key in customer_keys(instrument)}
    ballots.cast(round_.id, ballots.CUSTOMER, {
        "answers": complete, "comment": (comment or "").strip()[:MAX_COMMENT] or None, "language": language[:5],
        "source": "public" if public else "personal",
        "service": (invitation.service_value_id if invitation is not None and invitation.service_value_id else service_id),
    }, batch_size=round_.min_customer_group_size)
    _count_arrival(round_.id, today())
    log.info("customer response round=%s", round_.id)


MAX_COMMENT = 2000


def _count_arrival(round_id: int, day: date) -> None:
    """One more customer on ``day`` (under the round's exclusive lock, so no lost update)."""
    added = db.session.execute(sa.update(CustomerArrival).where(
        CustomerArrival.round_id == round_id, CustomerArrival.day == day).values(n=CustomerArrival.n + 1)).rowcount
    if not added:
        db.session.execute(sa.insert(CustomerArrival).values(round_id=round_id, day=day, n=1))


def set_customer_link_paused(round_: Round, paused: bool) -> None:
    if not round_.is_open:
        raise RoundStateError("not open")
    round_.is_customer_link_paused = paused
    log.info("round %s: customer link %s", round_.id, "paused" if paused else "resumed")


def customer_arrivals(round_: Round) -> list[tuple[date, int]]:
    """Customer responses per day (counts only), so the director sees when the link was used."""
    return [(day, n) for day, n in db.session.execute(
        sa.select(CustomerArrival.day, CustomerArrival.n).where(CustomerArrival.round_id == round_.id)
        .order_by(CustomerArrival.day)).all()]


MAX_CUSTOMER_INVITATIONS = 500


def invite_customers(round_: Round, emails: list[str], service_id: int | None = None) -> int:
    """Send each address (not invited before in this round) a personal, single-use link to
    the customer questions; returns how many were invited. With ``service_id`` (one of the
    organisation's services, checked by the caller) their answers count for that service."""
    if not round_.is_open:
        raise RoundStateError("not open")
    known = set(db.session.scalars(sa.select(CustomerInvitation.email).where(
        CustomerInvitation.round_id == round_.id, CustomerInvitation.email.is_not(None))))
    org = db.session.get(Organisation, round_.organisation_id)
    brand = organisation_sender(org)
    now, invited = utcnow(), 0
    for email in dict.fromkeys(emails):
        if email in known:
            continue
        invitation = CustomerInvitation(round_id=round_.id, organisation_id=round_.organisation_id, email=email,
                                        invited_at=now, service_value_id=service_id)
        db.session.add(invitation)
        db.session.flush()
        token = links.customer_token(invitation.id, invitation.nonce)
        with speaking_of(org.customer_word):  # "Beste huurder," to a housing corporation's tenant
            send_template_mail(
                email, _("%(org)s would like to hear from you", org=org.name), "mail/customer_invitation.txt",
                org=org, round=round_,
                link=external_url("mirror_personal.questionnaire", org.consultancy_id, token=token),
                private=("link",), key=f"customer-invitation:{invitation.id}", kind="customer-invitation",
                organisation_id=round_.organisation_id, round_id=round_.id, brand=brand,
            )
        invited += 1
    log.info("round %s: %s customers invited", round_.id, invited)
    return invited


def customer_invitation_counts(round_: Round) -> tuple[int, int]:
    """(customers invited personally, of whom answered): counts only."""
    invited, answered = db.session.execute(
        sa.select(sa.func.count(CustomerInvitation.id), sa.func.count(CustomerInvitation.used_at))
        .where(CustomerInvitation.round_id == round_.id)).one()
    return invited, answered


def customer_response_count(round_: Round) -> int:
    """Customers who answered: waiting in the ballot box while the round is open, released after."""
    waiting = ballots.count([round_.id], ballots.CUSTOMER).get(round_.id, 0)
    return waiting + db.session.scalar(sa.select(sa.func.count()).where(CustomerResponse.round_id == round_.id))
