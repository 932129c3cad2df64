"""Retention: the nightly purge that enforces how long data is kept, per consultancy (the
periods and their limits: ``tenancy.retention``).

Each consultancy sets, within the limits below (defaults in ``Consultancy``, reasons in
docs/privacy.md), how long it keeps for its clients:

- **raw answers**: every response and answer of a round, the customers' too, with their
  comments, counted from the day the round closed. The round's aggregates (``RoundTally``) stay:
  its results page, exports, report and the progress between rounds keep working, with the same
  figures; only a recomputation from the answers (``flask rebuild-tallies``) is no longer
  possible, and the comments are gone;
- **personal results**: each respondent's own result (and any unsent draft, and the PDF made of
  the result), from the close;
- **mail**: the address and text of a message in the outbox, from when it was written;
- **sessions**: a login, however active, from when it started;
- **audit entries**, from when they were written;
- what features above privacy keep and hand to ``hooks.retention_due``: a client directory's
  record of a person it deactivated follows the sessions' period, from the deactivation.

The purge runs nightly in the worker (``prune_job`` below) and is itself audited per
consultancy, with counts only. Platform-wide data that belongs to no consultancy (an admin's
sign-ins, mail not about a client) follows ``PLATFORM_*`` below.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from ..accounts.models import UserSession
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..extensions import db
from ..mail.models import OutboxMessage
from ..models_base import utcnow
from ..reports.models import ReportCache, ReportVersion
from ..results import segment_tally, tally
from ..rounds.ballots import scrub
from ..rounds.documents import forget_personal_pdfs
from ..rounds.models import CustomerAnswer, CustomerResponse, Invitation, Response, ResponseAnswer, Round, RoundStatus
from ..tasks import app_periodic_task, exclusive, huey
from ..tenancy.models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership
from ..tenancy.retention import PLATFORM_AUDIT_MONTHS, PLATFORM_MAIL_DAYS, months_before
from . import hooks

log = logging.getLogger(__name__)

def purge(now: datetime | None = None) -> dict[str, int]:
    """Apply every consultancy's retention, then the platform's; commits per consultancy.
    Returns the totals per kind."""

    now = now or utcnow()
    totals: dict[str, int] = {}
    for consultancy_id in list(db.session.scalars(sa.select(Consultancy.id).order_by(Consultancy.id))):
        consultancy = db.session.get(Consultancy, consultancy_id)
        counts = purge_consultancy(consultancy, now)
        if any(counts.values()):
            audit.record("retention_purge", consultancy_id=consultancy.id, obj=consultancy, **counts)
            log.info("retention consultancy=%s %s", consultancy.id, counts)
        db.session.commit()
        for key, n in counts.items():
            totals[key] = totals.get(key, 0) + n
    platform = _purge_platform(now)
    db.session.commit()
    for key, n in platform.items():
        totals[key] = totals.get(key, 0) + n
    return totals


def purge_consultancy(consultancy, now: datetime) -> dict[str, int]:

    organisations = sa.select(Organisation.id).where(Organisation.consultancy_id == consultancy.id)
    closed = sa.select(Round.id).where(Round.organisation_id.in_(organisations), Round.status == RoundStatus.CLOSED)
    counts = {"rounds": 0, "responses": 0}

    due = db.session.scalars(sa.select(Round).where(
        Round.id.in_(closed), Round.answers_purged_at.is_(None),
        Round.closed_at < months_before(now, consultancy.retain_answers_months)).order_by(Round.id)).all()
    for round_ in due:
        counts["responses"] += purge_round_answers(round_, now)
        counts["rounds"] += 1

    counts["personal_results"] = db.session.execute(
        sa.update(Invitation).where(
            Invitation.round_id.in_(closed.where(
                Round.closed_at < now - timedelta(days=consultancy.retain_personal_results_days))),
            sa.or_(Invitation.sealed_result.is_not(None), Invitation.sealed_draft.is_not(None)))
        .values(sealed_result=None, sealed_draft=None).execution_options(synchronize_session=False)).rowcount
    forget_personal_pdfs(now, organisations)  # a result's PDF goes with it (sealed as it was)
    counts["mail"] = _forget_mail(OutboxMessage.organisation_id.in_(organisations),
                                  now - timedelta(days=consultancy.retain_mail_days))
    people = sa.union(
        sa.select(ConsultantMembership.user_id).where(ConsultantMembership.consultancy_id == consultancy.id),
        sa.select(OrganisationMembership.user_id).where(OrganisationMembership.organisation_id.in_(organisations)),
    )
    counts["sessions"] = db.session.execute(sa.delete(UserSession).where(
        UserSession.user_id.in_(sa.select(people.subquery().c[0])),
        UserSession.created_at < now - timedelta(days=consultancy.retain_sessions_days))).rowcount
    # Core, not the ORM: the trail's append-only guard leaves retention to this one place.
    audit_before = months_before(now, consultancy.retain_audit_months)
    counts["audit_entries"] = db.session.execute(sa.delete(AuditEntry).where(
        AuditEntry.consultancy_id == consultancy.id, AuditEntry.at < audit_before)).rowcount
    # Entries about the person rather than a tenant (sign-ins, failed sign-ins, two-step sign-in)
    # follow the period of every consultancy the person belongs to: the shortest wins.
    person_ids = sa.select(people.subquery().c[0])
    counts["audit_entries"] += db.session.execute(sa.delete(AuditEntry).where(
        AuditEntry.consultancy_id.is_(None), AuditEntry.organisation_id.is_(None), AuditEntry.at < audit_before,
        sa.or_(AuditEntry.actor_id.in_(person_ids),
               sa.and_(AuditEntry.object_type == "User", AuditEntry.object_id.in_(person_ids))))).rowcount
    # What features above privacy keep under this consultancy's periods (the directory's records).
    for _receiver, more in hooks.retention_due.send(consultancy, now=now, organisations=organisations):
        for kind, n in (more or {}).items():
            counts[kind] = counts.get(kind, 0) + n
    return counts


def purge_round_answers(round_, now: datetime | None = None) -> int:
    """Delete a published round's raw answers, keeping its tally (stored first if it is
    missing); returns how many employee responses went."""

    if not tally.stored([round_.id]):
        tally.store(round_.id, tally.computed_from_answers(round_))
    responses = sa.select(Response.id).where(Response.round_id == round_.id)
    customers = sa.select(CustomerResponse.id).where(CustomerResponse.round_id == round_.id)
    db.session.execute(sa.delete(ResponseAnswer).where(ResponseAnswer.response_id.in_(responses)))
    n = db.session.execute(sa.delete(Response).where(Response.round_id == round_.id)).rowcount
    db.session.execute(sa.delete(CustomerAnswer).where(CustomerAnswer.customer_response_id.in_(customers)))
    db.session.execute(sa.delete(CustomerResponse).where(CustomerResponse.round_id == round_.id))
    segment_tally.purge_comments(round_.id)
    round_.answers_purged_at = now or utcnow()
    round_.results_version = (round_.results_version or 0) + 1  # the comments are gone from the report
    # Issued versions of the report quote the customers' comments: they go with them, and the
    # next download issues the report again, with the same figures and without the comments.
    db.session.execute(sa.delete(ReportVersion).where(ReportVersion.round_id == round_.id))
    db.session.execute(sa.delete(ReportCache).where(ReportCache.round_id == round_.id))
    db.session.flush()
    log.info("raw answers of round %s purged (%s responses)", round_.id, n)
    return n


def _forget_mail(scope, before: datetime) -> int:
    return db.session.execute(sa.update(OutboxMessage).where(
        scope, OutboxMessage.status.in_(("sent", "failed", "unconfirmed", "outbox")),
        OutboxMessage.created_at < before,
        sa.or_(OutboxMessage.recipient.is_not(None), OutboxMessage.body_text.is_not(None),
               OutboxMessage.body_sealed.is_not(None)))
        .values(recipient=None, body_text=None, body_sealed=None, html_sealed=None).execution_options(synchronize_session=False)).rowcount


def _purge_platform(now: datetime) -> dict[str, int]:
    return {
        "mail": _forget_mail(OutboxMessage.organisation_id.is_(None), now - timedelta(days=PLATFORM_MAIL_DAYS)),
        "audit_entries": db.session.execute(sa.delete(AuditEntry).where(
            AuditEntry.consultancy_id.is_(None), AuditEntry.at < months_before(now, PLATFORM_AUDIT_MONTHS))).rowcount,
    }


# --- The nightly job (the worker's schedule; there is no command for it) ----------------------------

huey.lock_task("prune")  # registered, so that a starting worker (SQLite) can clear it


@app_periodic_task(crontab(hour="3", minute="17"))
def prune_job() -> None:
    exclusive("prune", 3600, prune)


def prune() -> dict[str, int]:
    """Expired sessions, then every consultancy's retention (``purge``)."""
    now = utcnow()
    counts = {"sessions_idle": db.session.execute(sa.delete(UserSession).where(
        UserSession.last_seen_at < now - current_app.config["SESSION_IDLE_TIMEOUT"])).rowcount}
    db.session.commit()
    counts.update(purge(now))
    # Deleted ballots and addresses off the disk, if a close could not do it (tables busy).
    scrub()
    log.info("pruned %s", counts)
    return counts
