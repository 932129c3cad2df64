"""The personal respondent link, and the keys that seal drafts, results and ballots.

A link token is ``<invitation id>.<signature>``; the signature is an HMAC (server secret) over
the id and the invitation's nonce, so the server can show the link to the logged-in employee
again, and a new nonce revokes it. Three seals, each with its own key:

- the draft, with a key derived from the link token (resume on any device with the link);
- the respondent's own result, with a random key kept only in the submitting browser's
  session, so a used link read from a log or a forwarded mail opens nothing;
- the ballot, with a key derived from the server's secret (and ``SECRET_KEY_FALLBACKS`` after
  a key rotation), opened only when the round closes; AES-GCM, so unlike a Fernet token the
  ciphertext holds no timestamp.
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

from .. import sealing


def _secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _mac(message: str) -> str:
    digest = hmac.new(_secret(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(invitation_id: int, nonce: str) -> str:
    return f"{invitation_id}.{_mac(f'respond:{invitation_id}:{nonce}')[:32]}"


def customer_token(invitation_id: int, nonce: str) -> str:
    """A customer's personal link token: like an employee's, under its own purpose."""
    return f"{invitation_id}.{_mac(f'customer:{invitation_id}:{nonce}')[:32]}"


def customer_token_matches(token: str, invitation_id: int, nonce: str) -> bool:
    return hmac.compare_digest(token.encode(), customer_token(invitation_id, nonce).encode())


def token_invitation_id(token: str) -> int | None:
    head, _, signature = token.partition(".")
    if not head.isdigit() or len(signature) != 32 or len(head) > 12:
        return None
    return int(head)


def token_matches(token: str, invitation_id: int, nonce: str) -> bool:
    return hmac.compare_digest(token.encode(), invitation_token(invitation_id, nonce).encode())


def _derive(secret: bytes, material: str, salt: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=secret).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet(token: str) -> Fernet:
    return _derive(_secret(), token, b"klantspiegel.seal")


def seal(token: str, data: dict) -> bytes:
    return _fernet(token).encrypt(json.dumps(data, separators=(",", ":")).encode())


def unseal(token: str, blob: bytes | None) -> dict:
    if not blob:
        return {}
    try:
        return json.loads(_fernet(token).decrypt(blob))
    except (InvalidToken, ValueError):
        return {}


def new_result_key() -> str:
    """A random key for the respondent's own result; it lives only in their browser session."""
    return Fernet.generate_key().decode()


def seal_result(key: str, data: dict) -> bytes:
    return Fernet(key.encode()).encrypt(json.dumps(data, separators=(",", ":")).encode())


def unseal_result(key: str | None, blob: bytes | None) -> dict:
    if not key or not blob:
        return {}
    try:
        return json.loads(Fernet(key.encode()).decrypt(blob))
    except (InvalidToken, ValueError, TypeError):
        return {}


#: Ballots are padded to a multiple of this many bytes, so their length says nothing about
#: the answers (e.g. how many were "weet ik niet").
BALLOT_BLOCK = 4096


def seal_ballot(data: dict) -> bytes:
    """Padded, then sealed under the server's key (no timestamp in the ciphertext)."""
    plain = json.dumps(data, separators=(",", ":"))
    padding = -len(plain.encode()) % BALLOT_BLOCK
    return sealing.seal((plain + " " * padding).encode(), b"ballot")


def open_ballot(blob: bytes) -> dict:
    """Raises InvalidToken when no configured key opens it (never silently drops a ballot)."""
    return json.loads(sealing.unseal(blob, b"ballot"))
