"""The rounds' job: daily reminders (``send_due_reminders`` is also run by ``flask remind``).
Closing a round is the results' job (``results.jobs``): closing publishes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from ..extensions import db
from ..tasks import app_periodic_task, exclusive, huey
from .models import Round, RoundStatus
from .inviting import send_reminders

huey.lock_task("reminders")  # registered, so that a starting worker (SQLite) can clear it


@app_periodic_task(crontab(hour="8", minute="0"))
def reminders_job() -> None:
    """Daily at 08:00 UTC (09:00 or 10:00 in the Netherlands)."""
    exclusive("reminders", 3600, send_due_reminders)


def send_due_reminders() -> int:
    """Reminders for every open round; links use BASE_URL."""
    base_url = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    total = 0
    with current_app.test_request_context("/", base_url=base_url):
        for round_id in db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN)).all():
            total += send_reminders(db.session.get(Round, round_id))
            db.session.commit()  # per round: the outbox enqueues delivery after each commit
    return total
