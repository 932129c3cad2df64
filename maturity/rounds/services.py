"""Every mutation of rounds, invitations and responses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..core import DONT_KNOW, suppress
from ..audit import services as audit
from ..collation import sorted_by_name
from ..extensions import db
from ..i18n import locale_for
from ..instrument import LATEST, load_instrument
from ..accounts.models import User
from ..accounts.tokens import INVITATION, make_token
from ..mail.services import send_template_mail, write_outbox
from ..models_base import utcnow
from ..utils import chunks
from ..tenancy.models import Department, Organisation, OrganisationMembership, OrgRole
from . import links
from . import segment_answers
from . import ballots, populations
from .populations import PopulationConflict  # noqa: F401  (raised by open and invite)
from .models import (CustomerArrival, CustomerInvitation, CustomerResponse, Invitation, Round, RoundStatus)
from .questionnaire import COMMENT_KEY, clean_comment, customer_keys, missing

log = logging.getLogger(__name__)

REMINDER_INTERVAL = timedelta(days=2)


class RoundStateError(Exception):
    """The action does not fit the round's state (e.g. editing the minimum of an open round)."""


class AlreadySubmitted(Exception):
    pass


class Incomplete(Exception):
    def __init__(self, gaps):
        super().__init__("incomplete")
        self.gaps = gaps


@dataclass(frozen=True)
class RoundSettings:
    title: str
    opens_on: date
    closes_on: date
    min_group_size: int = 5
    min_comment_group_size: int = 10
    min_customer_group_size: int | None = None  # None: the round's minimum group size
    department_ids: tuple[int, ...] = ()


def today() -> date:
    return utcnow().date()


def create_round(org: Organisation, settings: RoundSettings, *, instrument_version: str = LATEST) -> Round:
    round_ = Round(organisation_id=org.id, instrument_version=instrument_version, status=RoundStatus.DRAFT)
    _apply(round_, settings)
    db.session.add(round_)
    db.session.flush()
    audit.record("round_created", organisation_id=org.id, obj=round_, **_minimums(round_))
    log.info("round created id=%s org=%s", round_.id, org.id)
    return round_


def update_round(round_: Round, settings: RoundSettings) -> None:
    if round_.is_closed:
        raise RoundStateError("closed")
    if not round_.is_draft and (
        settings.min_group_size != round_.min_group_size
        or settings.min_comment_group_size != round_.min_comment_group_size
        or _customer_minimum(settings) != round_.min_customer_group_size
    ):
        # Changing the minimum after responses arrive could expose a small group.
        raise RoundStateError("minimum fixed")
    _apply(round_, settings)
    audit.record("round_settings_changed", organisation_id=round_.organisation_id, obj=round_, **_minimums(round_))
    log.info("round updated id=%s", round_.id)


def _minimums(round_: Round) -> dict:
    return {"min_group_size": round_.min_group_size, "min_customer_group_size": round_.min_customer_group_size,
            "min_comment_group_size": round_.min_comment_group_size}


def _apply(round_: Round, s: RoundSettings) -> None:
    round_.title = s.title.strip()
    round_.opens_on, round_.closes_on = s.opens_on, s.closes_on
    round_.min_group_size, round_.min_comment_group_size = s.min_group_size, s.min_comment_group_size
    round_.min_customer_group_size = _customer_minimum(s)
    round_.department_ids = sorted(set(s.department_ids))


def _customer_minimum(s: RoundSettings) -> int:
    # Customers invited by name are protected like employees: never below the round's minimum.
    return max(s.min_customer_group_size or s.min_group_size, s.min_group_size)


def copy_round(source: Round) -> Round:
    """A new draft 'like the previous one': same minimums and departments, and new dates: from
    today, and never on or before the source's opening day (a copy made the day a round opened
    would otherwise share its dates)."""
    start = max(today(), source.opens_on + timedelta(days=1))
    length = min(max((source.closes_on - source.opens_on).days, 7), 366)
    settings = RoundSettings(
        title=_("%(title)s (copy)", title=source.title)[:120], opens_on=start, closes_on=start + timedelta(days=length),
        min_group_size=source.min_group_size, min_comment_group_size=source.min_comment_group_size,
        min_customer_group_size=source.min_customer_group_size,
        department_ids=tuple(source.department_ids or ()),
    )
    org = db.session.get(Organisation, source.organisation_id)
    return create_round(org, settings)


def open_round(round_: Round) -> None:
    if not round_.is_draft:
        raise RoundStateError("not draft")
    # Everyone eligible is invited next: the population it will have must not single anyone out.
    populations.check(round_, {(m.user_id, m.department_id) for m in db.session.scalars(eligible_members(round_))},
                      today())
    round_.status = RoundStatus.OPEN
    audit.record("round_opened", organisation_id=round_.organisation_id, obj=round_, **_minimums(round_))
    round_.opened_at = utcnow()
    log.info("round opened id=%s", round_.id)


def request_close(round_: Round) -> None:
    """Ask the worker to close (and so publish) the round: releasing every ballot of a large
    round takes longer than a web request may. The round keeps accepting answers until then."""
    if not round_.is_open:
        raise RoundStateError("not open")
    round_.close_requested_at = utcnow()
    round_.close_problem = None


def lock_round(round_id: int, *, for_update: bool = False) -> RoundStatus:
    """Lock the round's row (PostgreSQL; SQLite serialises writers anyway). Submissions take
    a shared lock and closing an exclusive one, so a ballot is either in the box when the
    round closes, or refused because it is closed: never left behind after publication."""
    return db.session.execute(
        sa.select(Round.status).where(Round.id == round_id).with_for_update(read=not for_update)
    ).scalar_one()


def eligible_members(round_: Round):
    """The employees of the organisation in the round's departments. Directors answer only
    when they choose to (``invite_self``): they are not counted as respondents by default, and
    a director who answers knows one of the answers behind every figure."""
    query = sa.select(OrganisationMembership).where(
        OrganisationMembership.organisation_id == round_.organisation_id,
        OrganisationMembership.role == OrgRole.EMPLOYEE,
    )
    if round_.department_ids:
        query = query.where(OrganisationMembership.department_id.in_(round_.department_ids))
    return query


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
    for invitation in invitations:
        _mail_invitation(invitation, "mail/round_invitation.txt", user=users[invitation.user_id], org=org, is_new=True)
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
                     is_new: bool = False) -> None:
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
        account = (url_for("accounts.accept_invitation", token=make_token(user, INVITATION), _external=True)
                   if not is_reminder and not user.has_password else None)
        send_template_mail(
            user.email, subject, template, user=user, org=org, round=round_,
            link=url_for("respond_link.open_link", token=token, _external=True),
            opt_out=url_for("respond_link.reminders", token=token, _external=True),
            account=account, private=("link", "opt_out"), private_when_mailed=("account",) if account else (),
            # One mail per invitation, and one per reminder: a retried run sends nothing twice.
            key=(f"round-reminder:{invitation.id}:{invitation.reminder_count}" if is_reminder
                 else f"round-invitation:{invitation.id}"),
            kind="round-reminder" if is_reminder else "round-invitation",
            organisation_id=round_.organisation_id, round_id=round_.id, key_is_new=is_new,
        )


def opt_out_of_reminders(invitation) -> None:
    db.session.execute(sa.update(_INVITATION).where(_INVITATION.c.id == invitation.id)
                       .values(has_opted_out_of_reminders=True))
    _stored(invitation, has_opted_out_of_reminders=True)


#: The respondent's requests write their invitation with plain statements on the table: no
#: unit of work for one row (``respond.py`` loads it as plain values, tests and the demo as
#: an ORM object; ``_stored`` tells either what was written). The statements are built once:
#: SQLAlchemy then finds their compiled form without working out a cache key per request.
_INVITATION = Invitation.__table__
_NOW = sa.bindparam("now", type_=_INVITATION.c.started_at.type)
_UNSUBMITTED = sa.and_(_INVITATION.c.id == sa.bindparam("invitation_id"), _INVITATION.c.submitted_at.is_(None))
_SAVE_DRAFT = sa.update(_INVITATION).where(_UNSUBMITTED).values(
    sealed_draft=sa.bindparam("draft"), started_at=sa.func.coalesce(_INVITATION.c.started_at, _NOW))
_MARK_SUBMITTED = sa.update(_INVITATION).where(_UNSUBMITTED).values(
    submitted_at=_NOW, sealed_draft=None, sealed_result=sa.bindparam("result"))
def _stored(invitation, **values) -> None:
    """Tell the in-memory invitation what a statement just stored (an ORM object as committed
    state, so that no second UPDATE follows)."""
    is_orm = sa.inspect(invitation, raiseerr=False) is not None
    for name, value in values.items():
        if is_orm:
            so.attributes.set_committed_value(invitation, name, value)
        else:
            setattr(invitation, name, value)


def load_answers(invitation: Invitation, token: str) -> dict[str, str]:
    """The draft: the answers so far, and the answer to the open question under
    ``COMMENT_KEY`` once one was given."""
    return links.unseal(token, invitation.sealed_draft)


def save_answers(invitation, token: str, new_answers: dict[str, str]) -> dict[str, str]:
    """Merge answers into the sealed draft; returns all answers so far. Never after submitting:
    the update is conditional, so a draft saved in a second tab cannot reappear."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    answers.update(new_answers)
    return _save_draft(invitation, token, answers)


def save_segments(invitation, token: str, chosen: dict[int, str]) -> dict[str, str]:
    """Keep the respondent's answers about their segments in the sealed draft (segment id ->
    value id as typed; only the organisation's asked segments and their own values are kept)."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    for segment in segment_answers.asked_segments(invitation.id):
        key = f"{segment_answers.ASKED_PREFIX}{segment.id}"
        answers.pop(key, None)
        value = chosen.get(segment.id, "")
        if any(str(v.id) == value for v in segment.values):
            answers[key] = value
    return _save_draft(invitation, token, answers)


def save_comment(invitation, token: str, comment: str | None) -> dict[str, str]:
    """Keep the answer to the open question in the sealed draft (cleaned and cut to its
    maximum; an empty one removes it); returns the draft."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    answers.pop(COMMENT_KEY, None)
    cleaned = clean_comment(comment)
    if cleaned:
        answers[COMMENT_KEY] = cleaned
    return _save_draft(invitation, token, answers)


def _save_draft(invitation, token: str, answers: dict[str, str]) -> dict[str, str]:
    draft, now = links.seal(token, answers), utcnow()
    saved = db.session.execute(_SAVE_DRAFT, {"invitation_id": invitation.id, "draft": draft, "now": now}).rowcount
    if saved != 1:
        raise AlreadySubmitted()
    _stored(invitation, sealed_draft=draft, started_at=invitation.started_at or now)
    return answers


class RoundNotAccepting(Exception):
    pass


def submit_response(invitation, token: str) -> str:
    """Seal the draft into the ballot box; returns the key of the respondent's own result,
    which only their browser session keeps.

    Exactly once per invitation: the invitation is marked submitted with a conditional update,
    so of a double click, a second tab or parallel retries exactly one gets through and the
    others end in AlreadySubmitted."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    if lock_round(invitation.round_id) is not RoundStatus.OPEN:
        raise RoundNotAccepting()
    instrument = load_instrument(invitation.round.instrument_version)
    answers = load_answers(invitation, token)
    # The open question's answer travels beside the answers, never among them (it is not scored).
    comment = clean_comment(answers.pop(COMMENT_KEY, None))
    # So do the segments the respondent was asked about (only in the ballot, never on a record).
    asked = {key: answers.pop(key) for key in [k for k in answers if k.startswith(segment_answers.ASKED_PREFIX)]}
    gaps = missing(instrument, answers)
    if gaps:
        raise Incomplete(gaps)
    now = utcnow()
    result_key = links.new_result_key()
    sealed_result = links.seal_result(result_key, {"answers": answers, "comment": comment})
    # One conditional update marks it submitted and stores the own result: of two parallel
    # submits exactly one matches.
    marked = db.session.execute(
        _MARK_SUBMITTED, {"invitation_id": invitation.id, "now": now, "result": sealed_result}).rowcount
    if marked != 1:
        raise AlreadySubmitted()
    _stored(invitation, submitted_at=now, sealed_draft=None, sealed_result=sealed_result)
    # Like the answers, the comment says nothing about who wrote it once released: the ballot
    # holds no person, and the response no time, link or invitation.
    ballots.cast(invitation.round_id, ballots.EMPLOYEE,
                 {"department_id": invitation.department_id, "answers": answers, "comment": comment,
                  "segments": segment_answers.ballot_values(invitation.id, asked)},
                 batch_size=invitation.round.min_group_size)
    log.info("response submitted round=%s", invitation.round_id)  # never who
    return result_key


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


@dataclass(frozen=True)
class DepartmentRate:
    name: str | None
    invited: int
    submitted: int
    #: The departments with fewer than the minimum invited, together (``name`` is None).
    is_combined: bool = False

    @property
    def rate(self) -> float:
        return self.submitted / self.invited if self.invited else 0.0

    @property
    def is_low(self) -> bool:
        return self.invited > 0 and self.rate < 0.6


def response_rates(round_: Round) -> list[DepartmentRate]:
    """Invited and submitted per department: counts only, one grouped query.

    A department is shown on its own only when at least the round's minimum were invited
    (with complementary suppression, as for results); the others are counted together in one
    row, so nobody can watch whether one person in a small team has responded."""
    rows = db.session.execute(
        sa.select(Department.name, sa.func.count(Invitation.id), sa.func.count(Invitation.submitted_at))
        .select_from(Invitation)
        .outerjoin(Department, Invitation.department_id == Department.id)
        .where(Invitation.round_id == round_.id)
        .group_by(Department.name)
        .order_by(Department.name)
    ).all()
    counts = {(name or ""): (invited, submitted) for name, invited, submitted in rows}
    named = {name: invited for name, (invited, _) in counts.items() if name}
    decision = suppress(named, round_.min_group_size, total=sum(i for i, _ in counts.values()))
    rates = [DepartmentRate(name, *counts[name]) for name in sorted_by_name(decision.visible)]
    rest = [counts[name] for name in counts if name not in decision.visible]
    if rest:
        rates.append(DepartmentRate(None, sum(i for i, _ in rest), sum(s for _, s in rest), is_combined=True))
    return rates


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
    now, invited = utcnow(), 0
    for email in dict.fromkeys(emails):
        if email in known:
            continue
        invitation = CustomerInvitation(round_id=round_.id, organisation_id=round_.organisation_id, email=email,
                                        invited_at=now, service_value_id=service_id)
        db.session.add(invitation)
        db.session.flush()
        token = links.customer_token(invitation.id, invitation.nonce)
        send_template_mail(
            email, _("%(org)s would like to hear from you", org=org.name), "mail/customer_invitation.txt",
            org=org, round=round_, link=url_for("mirror_personal.questionnaire", token=token, _external=True),
            private=("link",), key=f"customer-invitation:{invitation.id}", kind="customer-invitation",
            organisation_id=round_.organisation_id, round_id=round_.id,
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
