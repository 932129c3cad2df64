"""The rounds' jobs: a director's close, closing rounds at their end date, daily reminders.
``close_due_rounds`` and ``send_due_reminders`` are also run by the CLI."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from ..extensions import db
from ..tasks import app_periodic_task, app_task, exclusive, huey
from .models import Round, RoundStatus
from .services import close_requested, send_reminders, today

log = logging.getLogger(__name__)

for _name in ("close-rounds", "reminders"):  # registered, so that a starting worker (SQLite) can clear them
    huey.lock_task(_name)


@app_task()
def close_round_job(round_id: int) -> str:
    """A director's close: the ballots released, the results published, in the worker."""
    return close_requested(round_id)


@app_periodic_task(crontab(minute="*/10"))
def close_due_rounds_job() -> None:
    exclusive("close-rounds", 600, close_due_rounds)


@app_periodic_task(crontab(hour="8", minute="0"))
def reminders_job() -> None:
    """Daily at 08:00 UTC (09:00 or 10:00 in the Netherlands)."""
    exclusive("reminders", 3600, send_due_reminders)


def close_due_rounds() -> tuple[int, list[int]]:
    """Close (and so publish) every open round whose end date has passed: (closed, unreadable).
    The same close as a director's (``close_requested``), so one refusal and one message."""
    due = db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN, Round.closes_on < today())).all()
    outcomes = {round_id: close_requested(round_id) for round_id in due}
    closed = sum(1 for outcome in outcomes.values() if outcome == "closed")
    if closed:
        log.info("%s rounds closed at their end date", closed)
    return closed, [round_id for round_id, outcome in outcomes.items() if outcome == "ballots_unreadable"]


def send_due_reminders() -> int:
    """Reminders for every open round; links use BASE_URL."""
    base_url = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    total = 0
    with current_app.test_request_context("/", base_url=base_url):
        for round_id in db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN)).all():
            total += send_reminders(db.session.get(Round, round_id))
            db.session.commit()  # per round: the outbox enqueues delivery after each commit
    return total
