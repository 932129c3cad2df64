"""Logos (a consultancy's, a client organisation's): PNG or JPEG, small, recognised by content."""

from __future__ import annotations

import base64

LOGO_MAX_BYTES = 300 * 1024
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_type(data: bytes) -> str | None:
    """The image type by its first bytes (never by the file name or the browser's word)."""
    return next((mime for magic, mime in _SIGNATURES.items() if data.startswith(magic)), None)


def data_uri(data: bytes | None, mimetype: str | None) -> str | None:
    if not data or not mimetype:
        return None
    return f"data:{mimetype};base64," + base64.b64encode(data).decode()
