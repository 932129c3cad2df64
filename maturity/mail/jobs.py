"""The mail's jobs: deliver the outbox after each commit that filled it, and every minute
(retries, and messages whose worker stopped mid-way)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.exceptions import TaskLockedException

from ..tasks import app_periodic_task, app_task, huey, lock
from .delivery import deliver_due, mark_unconfirmed

log = logging.getLogger(__name__)

huey.lock_task("outbox-delivery")  # registered, so that a starting worker (SQLite) can clear it


@app_task()
def deliver_outbox() -> int:
    """Deliver every due message, batch by batch over one connection each."""
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


@app_periodic_task(crontab(minute="*"))
def retry_outbox() -> None:
    """Retries of mail, and messages whose worker stopped mid-way."""
    mark_unconfirmed()
    deliver_outbox.call_local()
