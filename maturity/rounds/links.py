"""The personal respondent link, its receipt, and sealing answers with a key only the link holds.

A link token is ``<invitation id>.<signature>``; the signature is an HMAC (server secret) over
the id and the invitation's nonce, so the server can show the link to the logged-in employee
again, and a new nonce revokes it. Everything derived from the token (the receipt on the
anonymous response, the key that encrypts drafts) needs the token or the server's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _mac(message: str) -> str:
    digest = hmac.new(_secret(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(invitation_id: int, nonce: str) -> str:
    return f"{invitation_id}.{_mac(f'respond:{invitation_id}:{nonce}')[:32]}"


def token_invitation_id(token: str) -> int | None:
    head, _, signature = token.partition(".")
    if not head.isdigit() or len(signature) != 32 or len(head) > 12:
        return None
    return int(head)


def token_matches(token: str, invitation_id: int, nonce: str) -> bool:
    return hmac.compare_digest(token, invitation_token(invitation_id, nonce))


def receipt(token: str) -> str:
    return hmac.new(_secret(), f"receipt:{token}".encode(), hashlib.sha256).hexdigest()


def _fernet(token: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"klantspiegel.seal", info=_secret()).derive(token.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(token: str, data: dict) -> bytes:
    return _fernet(token).encrypt(json.dumps(data, separators=(",", ":")).encode())


def unseal(token: str, blob: bytes | None) -> dict:
    if not blob:
        return {}
    try:
        return json.loads(_fernet(token).decrypt(blob))
    except (InvalidToken, ValueError):
        return {}
