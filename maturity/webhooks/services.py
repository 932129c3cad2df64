"""Every change to a tenant's webhooks: registering one (its secret made and shown once),
rolling the secret, pausing and resuming, removing, the test event and sending a delivery
again. The views audit them; they flush, the request commits."""

from __future__ import annotations

import logging
import secrets

import sqlalchemy as sa

from ..extensions import db
from ..sealing import seal
from ..tenancy.models import Organisation
from . import events
from .delivery import SECRET_PURPOSE
from .models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

#: A tenant's webhooks: enough for a test and a production receiver per system.
MAX_PER_TENANT = 10
#: The delivery log shows the latest of these.
LOG_SIZE = 50


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(*, url: str, event_types: list[str], consultancy_id: int | None = None,
                   organisation_id: int | None = None, by=None) -> tuple[Webhook, str]:
    """The webhook and its secret in plain text, to be shown this once."""
    secret = new_secret()
    hook = Webhook(consultancy_id=consultancy_id, organisation_id=organisation_id, url=url.strip(),
                   events=" ".join(e for e in events.EVENTS if e in event_types), is_active=True,
                   secret_sealed=seal(secret.encode(), SECRET_PURPOSE), created_by_id=getattr(by, "id", None))
    db.session.add(hook)
    db.session.flush()
    log.info("webhook created id=%s", hook.id)
    return hook, secret


def roll_secret(hook: Webhook) -> str:
    """A new secret, replacing the old one at once; shown this once."""
    secret = new_secret()
    hook.secret_sealed = seal(secret.encode(), SECRET_PURPOSE)
    log.info("webhook secret rolled id=%s", hook.id)
    return secret


def set_active(hook: Webhook, is_active: bool) -> None:
    hook.is_active = is_active
    log.info("webhook id=%s active=%s", hook.id, is_active)


def delete_webhook(hook: Webhook) -> None:
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.delete(hook)
    db.session.flush()
    log.info("webhook deleted id=%s", hook.id)


def count_for(*, consultancy_id: int | None = None, organisation_id: int | None = None) -> int:
    column, value = (Webhook.organisation_id, organisation_id) if organisation_id is not None \
        else (Webhook.consultancy_id, consultancy_id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(Webhook).where(column == value))


def send_test(hook: Webhook) -> WebhookDelivery:
    """A ``ping`` event to this webhook only, whatever events it asked for."""
    org = db.session.get(Organisation, hook.organisation_id) if hook.organisation_id is not None else None
    event = events.envelope(events.PING, org, {"object": "webhook", "id": hook.id, "state": "active"})
    return events.deliver_to([hook], event)[0]


def send_again(original: WebhookDelivery) -> WebhookDelivery:
    """The same event (same id and body) to the same webhook, as a new delivery: the log keeps
    what happened to the first, and a receiver that has seen the event id can ignore it."""
    return events.deliver_to([original.webhook], dict(original.payload), event_id=original.event_id,
                             event_type=original.event_type)[0]


def latest_deliveries(webhook_ids) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id.in_(webhook_ids))
        .order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE)))
