"""The webhooks page of a consultancy (its consultants; events of all its client organisations)
and of an organisation (its directors and consultants): register a receiver, see its secret
once, roll it, pause, remove, send a test event, and the delivery log with "send again"."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..extensions import db
from ..forms_common import ActionForm
from ..tenancy.access import (CONSULTANT, DIRECTOR, consultancy_blueprint, organisation_blueprint, roles_required,
                              scoped_get, scoped_select)
from . import services, targets
from .events import EVENTS, LABELS
from .forms import WebhookForm
from .models import Webhook, WebhookDelivery

consultancy_bp = consultancy_blueprint("webhooks_consultancy", __name__, "/webhooks")
org_bp = organisation_blueprint("webhooks_org", __name__, "/webhooks")

def _tenant() -> dict:
    if getattr(g, "org", None) is not None:
        return {"organisation_id": g.org.id}
    return {"consultancy_id": g.consultancy.id}


def _back():
    return redirect(url_for(f"{request.blueprint}.page"))


def _page(*, form: WebhookForm | None = None, new_secret: str | None = None, secret_for: Webhook | None = None,
          status: int = 200):
    hooks = list(db.session.scalars(scoped_select(Webhook).order_by(Webhook.id)))
    deliveries = services.latest_deliveries([h.id for h in hooks]) if hooks else []
    return render_template(
        "webhooks/page.html", hooks=hooks, deliveries=deliveries, form=form or WebhookForm(formdata=None),
        action_form=ActionForm(), new_secret=new_secret, secret_for=secret_for, labels=LABELS,
        event_labels=EVENTS, status_labels={"pending": _("waiting"), "delivered": _("delivered"), "failed": _("failed")},
        for_organisation=getattr(g, "org", None) is not None, hooks_by_id={h.id: h for h in hooks},
        is_full=len(hooks) >= services.MAX_PER_TENANT,
    ), status


def page():
    return _page()


def create():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(form=form, status=400)
    if services.count_for(**_tenant()) >= services.MAX_PER_TENANT:
        form.url.errors.append(_("At most %(max)d webhooks; remove one first.", max=services.MAX_PER_TENANT))
        return _page(form=form, status=400)
    hook, secret = services.create_webhook(url=form.url.data, event_types=form.events.data, by=current_user, **_tenant())
    audit.record("webhook_created", obj=hook, **_tenant(), host=targets.parse(hook.url).host, events=hook.events)
    # Rendered, not redirected: the secret is shown this once and travels in no URL or session.
    return _page(new_secret=secret, secret_for=hook)


def roll_secret(webhook_id: int):
    hook = scoped_get(Webhook, webhook_id)
    if not ActionForm().validate_on_submit():
        return _back()
    secret = services.roll_secret(hook)
    audit.record("webhook_secret_rolled", obj=hook, **_tenant(), host=targets.parse(hook.url).host)
    return _page(new_secret=secret, secret_for=hook)


def toggle(webhook_id: int):
    hook = scoped_get(Webhook, webhook_id)
    if ActionForm().validate_on_submit():
        services.set_active(hook, not hook.is_active)
        audit.record("webhook_changed", obj=hook, **_tenant(), host=targets.parse(hook.url).host, active=hook.is_active)
        flash(_("The webhook receives events again.") if hook.is_active
              else _("The webhook is paused: it receives no new events until you resume it."), "success")
    return _back()


def delete(webhook_id: int):
    hook = scoped_get(Webhook, webhook_id)
    if ActionForm().validate_on_submit():
        audit.record("webhook_deleted", obj=hook, **_tenant(), host=targets.parse(hook.url).host)
        services.delete_webhook(hook)
        flash(_("The webhook has been removed, with its delivery log."), "success")
    return _back()


def send_test(webhook_id: int):
    hook = scoped_get(Webhook, webhook_id)
    if ActionForm().validate_on_submit():
        if not hook.is_active:
            flash(_("The webhook is paused. Resume it to send a test event."), "error")
            return _back()
        delivery = services.send_test(hook)
        audit.record("webhook_test_sent", obj=hook, **_tenant(), host=targets.parse(hook.url).host,
                     delivery=delivery.id)
        flash(_("A test event is on its way; its delivery is at the top of the log below."), "success")
    return _back()


def send_again(delivery_id: int):
    delivery = db.session.scalar(sa.select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.webhook_id.in_(scoped_select(Webhook).with_only_columns(Webhook.id))))
    if delivery is None:  # another tenant's, or none: the same 404
        abort(404)
    if ActionForm().validate_on_submit():
        if not delivery.webhook.is_active:
            flash(_("The webhook is paused. Resume it to send the event again."), "error")
            return _back()
        again = services.send_again(delivery)
        audit.record("webhook_redelivered", obj=delivery.webhook, **_tenant(), event=delivery.event_type,
                     delivery=again.id, original=delivery.id)
        flash(_("The event is being sent again, as a new delivery with the same event id."), "success")
    return _back()


def _register(bp, guard):
    bp.add_url_rule("/", "page", guard(page), methods=["GET"])
    bp.add_url_rule("/", "create", guard(create), methods=["POST"])
    bp.add_url_rule("/<int:webhook_id>/secret", "roll_secret", guard(roll_secret), methods=["POST"])
    bp.add_url_rule("/<int:webhook_id>/active", "toggle", guard(toggle), methods=["POST"])
    bp.add_url_rule("/<int:webhook_id>/delete", "delete", guard(delete), methods=["POST"])
    bp.add_url_rule("/<int:webhook_id>/test", "send_test", guard(send_test), methods=["POST"])
    bp.add_url_rule("/deliveries/<int:delivery_id>/send-again", "send_again", guard(send_again), methods=["POST"])


_register(consultancy_bp, lambda view: view)  # a consultancy's pages are its consultants' (the loader checks)
_register(org_bp, roles_required(DIRECTOR, CONSULTANT))
