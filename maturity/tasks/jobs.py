"""What the worker does: deliver mail, render reports, and the schedule.

Each job is idempotent (the database records what has been done) and the scheduled ones take a
lock in the queue's storage, so that with several workers on several hosts (Redis) a job never
runs twice at the same time. Mail and reports are enqueued after the commit that asked for them.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from huey import crontab
from huey.exceptions import TaskLockedException

from ..extensions import db
from ..models_base import utcnow
from ..rounds.ballots import scrub
from . import app_periodic_task, app_task, huey, lock

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "klantspiegel:worker-heartbeat"

#: Every lock, named up front so that a starting worker (SQLite) can clear stale ones.
for _name in ("outbox-delivery", "close-rounds", "reminders", "prune"):
    huey.lock_task(_name)


# --- Mail ------------------------------------------------------------------------------------

@app_task()
def deliver_outbox() -> int:
    """Deliver every due message, batch by batch over one connection each."""
    from ..mail.delivery import deliver_due

    total = 0
    try:
        # Only saves work: the claim keeps delivery at most once even if two workers run it.
        with lock("outbox-delivery", ttl=60):
            while True:
                sent, due = deliver_due()
                total += sent
                if not due or not sent:
                    break  # all delivered, or the server is away: the schedule retries
    except TaskLockedException:
        log.info("outbox delivery already running")
    return total


@app_task()
def password_help(email: str, base_url: str) -> None:
    """A reset link for an account with a password; the invitation again for one without."""
    from ..accounts import services

    user = services.find_user_by_email(email)
    if user is None or not user.is_active:
        return
    with current_app.test_request_context("/", base_url=base_url):
        if user.has_password:
            services.send_password_reset(user)
        else:  # invited but never activated: the invitation is what they need, naming what it is for
            context, sender, organisation_id = services.invitation_context(user)
            services.send_invitation(user, context=context, sender=sender, organisation_id=organisation_id)
        db.session.commit()


@app_task()
def close_round_job(round_id: int) -> str:
    """A director's close: the ballots released, the results published, in the worker."""
    from ..rounds.services import close_requested

    return close_requested(round_id)


# --- Reports ---------------------------------------------------------------------------------

@app_task()
def render_report(cache_id: int, digest: str, html: str) -> None:
    from ..reports.services import render_into_cache

    render_into_cache(cache_id, digest, html)


@app_task()
def render_report_version(version_id: int, digest: str, html: str) -> None:
    from ..reports.services import render_version

    render_version(version_id, digest, html)


@app_task()
def render_deck(cache_id: int, digest: str) -> None:
    from ..reports.services import make_deck

    make_deck(cache_id, digest)


# --- The schedule ----------------------------------------------------------------------------

@app_periodic_task(crontab(minute="*"))
def every_minute() -> None:
    """Retries of mail, messages whose worker stopped mid-way, and the worker's heartbeat."""
    from ..mail.delivery import mark_unconfirmed

    huey.put(HEARTBEAT_KEY, utcnow().isoformat())
    mark_unconfirmed()
    deliver_outbox.call_local()


@app_periodic_task(crontab(minute="*/10"))
def close_due_rounds_job() -> None:
    _exclusive("close-rounds", 600, close_due_rounds)


@app_periodic_task(crontab(hour="8", minute="0"))
def reminders_job() -> None:
    """Daily at 08:00 UTC (09:00 or 10:00 in the Netherlands)."""
    _exclusive("reminders", 3600, send_due_reminders)


@app_periodic_task(crontab(hour="3", minute="17"))
def prune_job() -> None:
    _exclusive("prune", 3600, prune)


def _exclusive(name: str, ttl: int, job) -> None:
    """Run ``job`` unless another worker is running it (the lock is shared through the queue)."""
    try:
        with lock(name, ttl):
            job()
    except TaskLockedException:
        log.info("%s already running elsewhere; skipped", name)


# --- The jobs themselves (also run by the CLI) -----------------------------------------------

def close_due_rounds() -> tuple[int, list[int]]:
    """Close (and so publish) every open round whose end date has passed: (closed, unreadable).
    The same close as a director's (``close_requested``), so one refusal and one message."""
    from ..rounds.models import Round, RoundStatus
    from ..rounds.services import close_requested, today

    due = db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN, Round.closes_on < today())).all()
    outcomes = {round_id: close_requested(round_id) for round_id in due}
    closed = sum(1 for outcome in outcomes.values() if outcome == "closed")
    if closed:
        log.info("%s rounds closed at their end date", closed)
    return closed, [round_id for round_id, outcome in outcomes.items() if outcome == "ballots_unreadable"]


def send_due_reminders() -> int:
    """Reminders for every open round; links use BASE_URL."""
    from ..rounds.models import Round, RoundStatus
    from ..rounds.services import send_reminders

    base_url = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    total = 0
    with current_app.test_request_context("/", base_url=base_url):
        for round_id in db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN)).all():
            total += send_reminders(db.session.get(Round, round_id))
            db.session.commit()  # per round: the outbox enqueues delivery after each commit
    return total


def prune() -> dict[str, int]:
    """Expired sessions, then every consultancy's retention (``maturity.retention``)."""
    from ..accounts.models import UserSession
    from ..retention import purge

    now = utcnow()
    counts = {"sessions_idle": db.session.execute(sa.delete(UserSession).where(
        UserSession.last_seen_at < now - current_app.config["SESSION_IDLE_TIMEOUT"])).rowcount}
    db.session.commit()
    counts.update(purge(now))
    # Deleted ballots and addresses off the disk, if a close could not do it (tables busy).
    scrub()
    log.info("pruned %s", counts)
    return counts


def worker_heartbeat_age() -> float | None:
    """Seconds since the worker's schedule last ran; None if it never did."""
    from datetime import datetime

    value = huey.get(HEARTBEAT_KEY, peek=True)
    if not value:
        return None
    return (utcnow() - datetime.fromisoformat(value)).total_seconds()
