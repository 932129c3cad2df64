"""The events a webhook can ask for, their payloads, and the receivers of the features' signals
that turn an event into a delivery per webhook that wants it.

A payload is thin and confidential by construction: the event's id, type and time, the
organisation (id, slug, name), the object's id and state, and the API address to fetch it with
a key (docs/api.md). Never a figure, an answer, a comment or anything about a respondent: what
the receiver may see beyond that, the API decides, with its scopes and disclosure rules."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import tasks
from ..extensions import db
from ..models_base import utcnow
from ..plans.models import ActionItem, ActionPlan
from ..plans.services import action_changed, plan_published
from ..results.publication import published as round_published
from ..rounds.models import Round
from ..rounds.services import round_opened
from ..tenancy.hosts import base_url_for
from ..tenancy.models import Organisation
from . import jobs
from .models import Webhook, WebhookDelivery

ROUND_OPENED, ROUND_PUBLISHED, PLAN_PUBLISHED, ACTION_CHANGED = (
    "round.opened", "round.published", "plan.published", "action.changed")
#: The test event of the "Send test event" button; every webhook gets it, whatever it asked for.
PING = "ping"

#: What a webhook can ask for, in the order the form shows them.
EVENTS = {
    ROUND_OPENED: _l("A round opened"),
    ROUND_PUBLISHED: _l("A round closed and its results were published"),
    PLAN_PUBLISHED: _l("An action plan was published to employees"),
    ACTION_CHANGED: _l("An action's status, owner, due date or title changed"),
}
LABELS = {**EVENTS, PING: _l("Test event")}


def _api_url(consultancy_id: int | None, path: str) -> str:
    """A plain path of the API on the consultancy's own address (its host, or BASE_URL)."""
    return base_url_for(consultancy_id) + "/api/v1/" + path


def envelope(event_type: str, org: Organisation | None, data: dict) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "created": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "organisation": {"id": org.id, "slug": org.slug, "name": org.name} if org is not None else None,
        "data": data,
    }


def deliver_to(webhooks: list[Webhook], event: dict, *, event_id: str | None = None,
               event_type: str | None = None) -> list[WebhookDelivery]:
    """A pending delivery of ``event`` per webhook, handed to the worker after the commit (the
    event's id and type are the payload's unless given)."""
    now = utcnow()
    deliveries = [WebhookDelivery(webhook_id=hook.id, event_id=event_id or event["id"], event_type=event_type or event["type"],
                                  payload=event, next_attempt_at=now) for hook in webhooks]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        tasks.enqueue(jobs.deliver_webhook, delivery.id)
    return deliveries


def record(event_type: str, org: Organisation, data: dict) -> list[WebhookDelivery]:
    """In the transaction of what happened: a delivery for every active webhook of the
    organisation or of its consultancy that asked for ``event_type``."""
    hooks = [hook for hook in db.session.scalars(sa.select(Webhook).where(
        Webhook.is_active, sa.or_(Webhook.organisation_id == org.id, Webhook.consultancy_id == org.consultancy_id))
        .order_by(Webhook.id)) if hook.wants(event_type)]
    if not hooks:
        return []
    return deliver_to(hooks, envelope(event_type, org, data))


def _round_data(round_: Round, state: str, path: str) -> dict:
    org = db.session.get(Organisation, round_.organisation_id)
    return {"object": "round", "id": round_.id, "state": state, "url": _api_url(org.consultancy_id, path)}


@round_opened.connect
def _round_opened(round_: Round) -> None:
    org = db.session.get(Organisation, round_.organisation_id)
    record(ROUND_OPENED, org, _round_data(round_, "open", f"rounds/{round_.id}"))


@round_published.connect
def _round_published(round_: Round) -> None:
    org = db.session.get(Organisation, round_.organisation_id)
    record(ROUND_PUBLISHED, org, _round_data(round_, "published", f"rounds/{round_.id}/results"))


@plan_published.connect
def _plan_published(round_: Round) -> None:
    org = db.session.get(Organisation, round_.organisation_id)
    plan_id = db.session.scalar(sa.select(ActionPlan.id).where(ActionPlan.round_id == round_.id))
    record(PLAN_PUBLISHED, org, {"object": "plan", "id": plan_id, "round_id": round_.id, "state": "published",
                                 "url": _api_url(org.consultancy_id, f"rounds/{round_.id}/plan")})


@action_changed.connect
def _action_changed(item: ActionItem, changes: tuple[str, ...] = ()) -> None:
    org = db.session.get(Organisation, item.organisation_id)
    round_id = db.session.scalar(sa.select(ActionPlan.round_id).where(ActionPlan.id == item.plan_id))
    record(ACTION_CHANGED, org, {"object": "action", "id": item.id, "plan_id": item.plan_id, "round_id": round_id,
                                 "state": item.status.value, "changes": sorted(changes),
                                 "url": _api_url(org.consultancy_id, f"actions/{item.id}")})
