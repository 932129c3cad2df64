"""Signing a webhook's body as Stripe does, and checking such a signature (what a receiver does).

The header ``Klantspiegel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` signs
``"<t>.<raw body>"`` with the webhook's secret. The timestamp is signed with the body, so a
captured request cannot be replayed later than ``tolerance`` seconds. Standard library only: a
receiver can copy this module (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Klantspiegel-Signature"
SCHEME = "v1"


class SignatureError(ValueError):
    """The signature is missing, malformed, does not match, or is too old (or from the future)."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for ``body``, signed now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},{SCHEME}={_digest(secret, t, body)}"


def verify(secret: str, header: str | None, body: bytes | str, tolerance: int = 300, *, now: float | None = None) -> int:
    """Check ``header`` (the ``Klantspiegel-Signature`` value) against the raw ``body`` as
    received. Returns the signed timestamp; raises ``SignatureError`` when no ``v1`` signature
    matches or the timestamp is more than ``tolerance`` seconds away from now (a replay)."""
    if isinstance(body, str):
        body = body.encode()
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("no timestamp or no v1 signature in the header")
    expected = _digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("the signature does not match the body")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("the timestamp is outside the tolerance (a replay?)")
    return timestamp
