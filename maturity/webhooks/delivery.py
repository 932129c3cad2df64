"""Sending a delivery: in the worker, after the commit that recorded it, and again with backoff
until it is delivered or has failed for good.

Idempotent and at most one attempt at a time: an attempt first claims the row (pending, due,
its webhook active) by moving ``next_attempt_at`` a lease ahead, in its own committed
transaction; a delivered or failed delivery is never claimed again, and a worker killed
mid-way leaves the row due again when the lease ends. The POST goes to the address that was
checked (``targets``), with the Host header and TLS server name of the URL's host, a timeout,
and no redirect followed."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app

from ..extensions import db
from ..models_base import utcnow
from ..sealing import unseal
from . import signing, targets
from .models import DeliveryStatus, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

SECRET_PURPOSE = b"webhook-secret"

#: After the first attempt fails: wait this long before each next one; then it has failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
#: How long an attempt holds its claim: far longer than the timeout of one POST.
LEASE = timedelta(minutes=2)
#: The most of a receiver's answer that is read (and then thrown away).
MAX_RESPONSE = 4096
USER_AGENT = "Klantspiegel-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str | None = None
    #: Not worth trying again (the address is refused): failed at once.
    final: bool = False


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address, verifying the certificate for the URL's host name (SNI)."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float):
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


def send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body`` to ``url``: resolved once, checked, connected to the checked address."""
    try:
        target = targets.parse(url)
        addresses = targets.resolve(target)
    except targets.TargetRefused as refused:
        return Outcome(False, error=_refusal_text(refused), final=refused.reason != "unresolvable")
    headers = {**headers, "Host": target.host_header, "User-Agent": USER_AGENT,
               "Content-Type": "application/json", "Content-Length": str(len(body))}
    error = "no address could be reached"
    for address in addresses:
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(address, target.port, target.host, timeout)
        else:
            connection = http.client.HTTPConnection(address, target.port, timeout=timeout)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(MAX_RESPONSE)
            status = response.status
        except (TimeoutError, socket.timeout):
            return Outcome(False, error=f"timed out after {timeout:g} s")
        except ssl.SSLError as exc:
            return Outcome(False, error=f"TLS: {exc.reason or exc}"[:300])
        except (ConnectionError, OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
            continue  # the next address, if the name has more
        except Exception as exc:  # noqa: BLE001 — whatever a receiver does, the log says it and the job goes on
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            connection.close()
        if 200 <= status < 300:
            return Outcome(True, status_code=status)
        if 300 <= status < 400:
            return Outcome(False, status_code=status, error="redirect not followed: answer at the URL itself")
        return Outcome(False, status_code=status, error=f"HTTP {status}")
    return Outcome(False, error=error)


def _refusal_text(refused: targets.TargetRefused) -> str:
    return {
        "private": f"refused: {refused.detail} is not a public address",
        "unresolvable": f"host name not found: {refused.detail}",
        "not_https": "refused: only https URLs are allowed",
        "scheme": "refused: only http and https URLs are allowed",
    }.get(refused.reason, "refused: not a valid URL")[:300]


def claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt if it is pending, due and its webhook active
    (committed, so that no other worker takes it too)."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.next_attempt_at <= now,
               WebhookDelivery.webhook_id.in_(sa.select(Webhook.id).where(Webhook.is_active)))
        .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def attempt(delivery_id: int) -> str:
    """One attempt at a delivery (in the worker). Returns "delivered", "retry", "failed" or
    "skipped" (not pending, not due, paused, or another worker has it)."""
    if not claim(delivery_id):
        return "skipped"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # removed with its webhook since the claim
        return "skipped"
    webhook = delivery.webhook
    try:
        secret = unseal(webhook.secret_sealed, SECRET_PURPOSE).decode()
    except InvalidToken:  # sealed under a SECRET_KEY no longer configured: a new secret is needed
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.last_error = "the signing secret cannot be opened: give the webhook a new secret"
        db.session.commit()
        log.error("webhook %s: its secret cannot be opened (SECRET_KEY_FALLBACKS?)", webhook.id)
        return "failed"
    body = body_of(delivery.payload)
    headers = {signing.HEADER: signing.sign(secret, body), "Klantspiegel-Event": delivery.event_type,
               "Klantspiegel-Delivery": str(delivery.id)}
    url, attempts = webhook.url, delivery.attempts
    db.session.commit()  # no transaction held open while waiting for the receiver
    outcome = send(url, body, headers, float(current_app.config.get("WEBHOOKS_TIMEOUT", 5)))
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # the webhook was removed while its receiver answered
        return "skipped"
    now = utcnow()
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    if outcome.delivered:
        delivery.status, delivery.next_attempt_at, delivery.delivered_at = DeliveryStatus.DELIVERED, None, now
        result = "delivered"
    elif outcome.final or attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        result = "failed"
    else:
        delivery.next_attempt_at = now + BACKOFF[attempts - 1]
        result = "retry"
    db.session.commit()
    log.info("webhook delivery id=%s webhook=%s event=%s attempt=%s %s %s", delivery_id, delivery.webhook_id,
             delivery.event_type, attempts, result, outcome.status_code or outcome.error or "")
    return result


def due(limit: int = 200) -> list[int]:
    """Pending deliveries whose time has come (retries, and attempts a killed worker left)."""
    return list(db.session.scalars(
        sa.select(WebhookDelivery.id).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= utcnow(),
               Webhook.is_active)
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)))


def prune(days: int = 90) -> int:
    """Deliveries older than ``days`` that are done with (delivered or failed) are removed."""
    removed = db.session.execute(sa.delete(WebhookDelivery).where(
        WebhookDelivery.status != DeliveryStatus.PENDING, WebhookDelivery.created_at < utcnow() - timedelta(days=days))
    ).rowcount
    db.session.commit()
    return removed
