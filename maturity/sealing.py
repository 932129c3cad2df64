"""Sealing data at rest under a key derived from the server's secret.

AES-GCM with a random nonce and one key per purpose (HKDF over ``SECRET_KEY``, and over each of
``SECRET_KEY_FALLBACKS`` after a rotation, so that what was sealed before still opens). Unlike a
Fernet token the ciphertext carries no timestamp. Used for ballots of open rounds and for the
bodies of mail waiting in the outbox.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _keys(purpose: bytes) -> list[AESGCM]:
    config = current_app.config
    secrets_ = [config["SECRET_KEY"].encode()] + [k.encode() for k in config.get("SECRET_KEY_FALLBACKS") or []]
    return [AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=b"klantspiegel." + purpose, info=s).derive(purpose))
            for s in secrets_]


class TooLong(ValueError):
    """A value does not fit the fixed length its kind is padded to."""


def padded(plain: bytes, size: int) -> bytes:
    """``plain`` (JSON, or text) filled up with spaces to exactly ``size`` bytes, so that the
    length of what is sealed says nothing about what it holds (how many answers were "weet ik
    niet", how long a comment is). JSON ignores the trailing spaces; text callers strip them."""
    if len(plain) > size:
        raise TooLong(f"{len(plain)} bytes do not fit in {size}")
    return plain + b" " * (size - len(plain))


def padded_to_block(plain: bytes, block: int = 4096) -> bytes:
    """Filled up with spaces to a multiple of ``block`` bytes: for values with no upper bound
    (a mail), whose length then says only roughly how long they are."""
    return plain + b" " * (-len(plain) % block)


def seal(plain: bytes, purpose: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _keys(purpose)[0].encrypt(nonce, plain, purpose)


def unseal(blob: bytes, purpose: bytes) -> bytes:
    """Raises InvalidToken when no configured key opens it (never silently drops anything)."""
    nonce, body = blob[:12], blob[12:]
    for key in _keys(purpose):
        try:
            return key.decrypt(nonce, body, purpose)
        except InvalidTag:
            continue
    raise InvalidToken()
