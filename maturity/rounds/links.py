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
from ..models_base import MAX_ID


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


def results_token(round_id: int, nonce: str) -> str:
    """The link to a round's shared results and plan: over the round and its plan's nonce
    only, so it is the same for everyone who gets it and says nothing about who that is."""
    return f"{round_id}.{_mac(f'results:{round_id}:{nonce}')[:32]}"


def results_token_matches(token: str, round_id: int, nonce: str) -> bool:
    return hmac.compare_digest(token.encode(), results_token(round_id, nonce).encode())


def token_invitation_id(token: str) -> int | None:
    head, _, signature = token.partition(".")
    if not head.isdigit() or len(signature) != 32 or len(head) > 10 or int(head) > MAX_ID:
        return None
    return int(head)


def token_matches(token: str, invitation_id: int, nonce: str) -> bool:
    return hmac.compare_digest(token.encode(), invitation_token(invitation_id, nonce).encode())


def _derive(secret: bytes, material: str, salt: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=secret).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet(token: str) -> Fernet:
    return _derive(_secret(), token, b"klantspiegel.seal")


#: Every draft, own result and employee ballot is sealed from exactly this many bytes, so its
#: length says nothing about the answers: a full questionnaire is well under 1 KiB, and the
#: answer to the open question at most 1,000 characters (at most 6 bytes each in JSON: under
#: 6 KiB; ``questionnaire.MAX_EMPLOYEE_COMMENT``). 4 KiB before the open question existed.
ANSWERS_SIZE = 8192


def _json(data: dict, size: int) -> bytes:
    return sealing.padded(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), size)


def seal(token: str, data: dict) -> bytes:
    return _fernet(token).encrypt(_json(data, ANSWERS_SIZE))


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
    return Fernet(key.encode()).encrypt(_json(data, ANSWERS_SIZE))


def unseal_result(key: str | None, blob: bytes | None) -> dict:
    if not key or not blob:
        return {}
    try:
        return json.loads(Fernet(key.encode()).decrypt(blob))
    except (InvalidToken, ValueError, TypeError):
        return {}


#: Ballots are sealed from a fixed length per kind: an employee's answers with the answer to the
#: open question, or a customer's answers with a comment of up to 2,000 characters (at most 6
#: bytes each in JSON).
BALLOT_SIZES = {"employee": ANSWERS_SIZE, "customer": 16384}


def seal_ballot(data: dict, kind: str = "employee") -> bytes:
    """Padded to its kind's fixed length, then sealed under the server's key (no timestamp in
    the ciphertext)."""
    return sealing.seal(_json(data, BALLOT_SIZES[kind]), b"ballot")


def open_ballot(blob: bytes) -> dict:
    """Raises InvalidToken when no configured key opens it (never silently drops a ballot)."""
    return json.loads(sealing.unseal(blob, b"ballot"))


#: The respondent's result key, sealed under the server's key for the worker that makes their PDF
#: (``PersonalResultPdf.sealed_key``, emptied as soon as the PDF is made or has failed).
RESULT_KEY_PURPOSE = b"personal-result-key"
#: A personal PDF is sealed from a multiple of this many bytes, so that its length says only
#: roughly how long it is (not, say, how long the answer to the open question was).
RESULT_PDF_BLOCK = 64 * 1024


def seal_result_key(key: str) -> bytes:
    return sealing.seal(key.encode(), RESULT_KEY_PURPOSE)


def unseal_result_key(blob: bytes) -> str:
    """Raises InvalidToken when no configured key opens it."""
    return sealing.unseal(blob, RESULT_KEY_PURPOSE).decode()


def seal_result_pdf(key: str, pdf: bytes) -> bytes:
    """The personal result's PDF, sealed like the result itself: with the respondent's own key."""
    payload = len(pdf).to_bytes(4, "big") + pdf
    return Fernet(key.encode()).encrypt(payload + b"\0" * (-len(payload) % RESULT_PDF_BLOCK))


def unseal_result_pdf(key: str | None, blob: bytes | None) -> bytes | None:
    if not key or not blob:
        return None
    try:
        payload = Fernet(key.encode()).decrypt(blob)
    except (InvalidToken, ValueError, TypeError):
        return None
    return payload[4:4 + int.from_bytes(payload[:4], "big")]
