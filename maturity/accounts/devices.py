"""Known devices: a browser on which someone has signed in to an account before.

Password guessing is limited per account, over all addresses, so that a guesser with many
addresses is slowed down as much as one with a single address. A limit per account that refused
everyone would let any stranger keep the owner out (issue #27: 200 wrong passwords an hour did
it). So the per-account limit counts only sign-ins from *unknown* browsers; a browser on which
the account was signed in before carries a signed "known device" cookie for it (OWASP's device
cookies) and has a limit of its own instead. See docs/security.md for the limits and the
trade-off.

The cookie names no account: each entry holds a keyed hash of the email address (HMAC under the
server's secret, so the cookie cannot be tested against a guessed address), a random id that
the browser's own limit counts under, and the time of its last sign-in. A browser holds up to
``MAX_ACCOUNTS`` entries (people who share a computer), each forgotten ``MAX_AGE`` after its last
sign-in. The cookie grants nothing but its own limit: the password (and the second step) are
still asked, and it is sent only to the sign-in pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import Response, after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "known_device"
#: Forgotten this long after the account last signed in on the browser.
MAX_AGE = 180 * 24 * 3600
#: Accounts remembered per browser (a shared computer), the most recent first.
MAX_ACCOUNTS = 5
_SALT = "maturity.known-device"
#: The cookie goes only to the sign-in pages (``/login``, ``/login/code``, ``/login/setup``).
_PATH = "/login"


def _secrets() -> list[str]:
    """The current key first, then the earlier ones after a rotation."""
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]


def _serializer() -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts every one of them.
    return URLSafeTimedSerializer(list(reversed(_secrets())), salt=_SALT)


def _tags(email: str) -> list[str]:
    """The account's tag under each key, the current one first."""
    address = (email or "").strip().lower().encode()
    return [hmac.new(key.encode(), b"known-device:" + address, hashlib.sha256).hexdigest()[:32]
            for key in _secrets()]


def _entries() -> list[dict]:
    """The browser's valid entries, as the request brought them (read once per request)."""
    if "known_devices" not in g:
        entries = []
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                loaded = _serializer().loads(raw, max_age=MAX_AGE)
            except BadSignature:  # includes an expired cookie
                loaded = []
            now = time.time()
            entries = [e for e in loaded if isinstance(e, dict) and isinstance(e.get("a"), str)
                       and isinstance(e.get("n"), str) and isinstance(e.get("t"), int)
                       and now - e["t"] <= MAX_AGE][:MAX_ACCOUNTS] if isinstance(loaded, list) else []
        g.known_devices = entries
    return g.known_devices


def device_id(email: str) -> str | None:
    """This browser's id for the account, if the account has signed in on it before."""
    tags = _tags(email)
    return next((e["n"] for e in _entries() if e["a"] in tags), None)


def remember(email: str) -> None:
    """The account has just signed in on this browser: set (or refresh) its entry."""
    tags = _tags(email)
    mine = device_id(email) or secrets.token_urlsafe(16)
    others = [e for e in _entries() if e["a"] not in tags]
    entries = [{"a": tags[0], "n": mine, "t": int(time.time())}, *others][:MAX_ACCOUNTS]
    value = _serializer().dumps(entries)

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(COOKIE, value, max_age=MAX_AGE, path=_PATH, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
