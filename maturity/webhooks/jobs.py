"""The webhooks' jobs: an attempt at a delivery after the commit that recorded it, and every
minute the retries whose time has come (and attempts a killed worker left behind)."""

from __future__ import annotations

from huey import crontab

from .. import tasks
from ..extensions import db
from ..tasks import app_periodic_task, app_task
from . import delivery


@app_task()
def deliver_webhook(delivery_id: int) -> str:
    return delivery.attempt(delivery_id)


@app_periodic_task(crontab(minute="*"))
def retry_webhooks() -> None:
    """Each due delivery to the queue (an attempt claims it: one at a time, never twice)."""
    for delivery_id in delivery.due():
        tasks.enqueue(deliver_webhook, delivery_id)
    db.session.commit()  # hands them over


@app_periodic_task(crontab(minute="17", hour="3"))
def prune_webhook_deliveries() -> None:
    """The delivery log keeps 90 days."""
    delivery.prune()
