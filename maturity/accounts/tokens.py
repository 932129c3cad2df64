"""Signed, expiring, single-use links for invitations and password resets.

Single use without a token table: the signed payload carries a fingerprint of the user's
password hash, so the link stops working the moment a password is set.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .models import User

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"

_MAX_AGE_SETTING = {INVITATION: "INVITATION_MAX_AGE", PASSWORD_RESET: "PASSWORD_RESET_MAX_AGE"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"maturity.{purpose}")


def _fingerprint(user: User) -> str:
    material = f"{user.id}|{user.email}|{user.password_hash or ''}|{user.is_deactivated}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_token(token: str, purpose: str, load_user) -> User | None:
    """Return the user the token is for, or None when it is invalid, expired or used."""
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    user = load_user(payload["u"])
    if user is None or user.is_deactivated or payload.get("f") != _fingerprint(user):
        return None
    return user
