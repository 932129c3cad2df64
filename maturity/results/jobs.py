"""Closing rounds in the worker: a director's close, and every open round whose end date has
passed (every ten minutes). ``close_due`` is also run by ``flask close-rounds``."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from huey import crontab

from ..extensions import db
from ..rounds.models import Round, RoundStatus
from ..rounds.services import today
from ..tasks import app_periodic_task, app_task, exclusive, huey
from .publication import close_by_worker

log = logging.getLogger(__name__)

huey.lock_task("close-rounds")  # registered, so that a starting worker (SQLite) can clear it


@app_task()
def close_job(round_id: int) -> str:
    """A director's close: the ballots released, the results published."""
    return close_by_worker(round_id)


@app_periodic_task(crontab(minute="*/10"))
def close_due_job() -> None:
    exclusive("close-rounds", 600, close_due)


def close_due() -> tuple[int, list[int]]:
    """Close (and so publish) every open round whose end date has passed: (closed, unreadable).
    The same close as a director's, so one refusal and one message."""
    due = db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN, Round.closes_on < today())).all()
    outcomes = {round_id: close_by_worker(round_id) for round_id in due}
    closed = sum(1 for outcome in outcomes.values() if outcome == "closed")
    if closed:
        log.info("%s rounds closed at their end date", closed)
    return closed, [round_id for round_id, outcome in outcomes.items() if outcome == "ballots_unreadable"]
