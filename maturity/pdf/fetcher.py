"""WeasyPrint may read our own static files and nothing else: no network, no ``file://``,
no redirects. Templates refer to static files as ``ks-static:/path``. The one exception is a
base64 PNG or JPEG ``data:`` image, which the app itself builds for the consultancy's logo:
it reaches nothing outside the document."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "ks-static:"
DATA_IMAGES = {"data:image/png;base64,": "image/png", "data:image/jpeg;base64,": "image/jpeg"}
STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()


class BlockedURL(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, allowed_protocols=(), allow_redirects=False, **kwargs)
        #: Every URL that was refused, for the log and for tests.
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        for prefix, mime in DATA_IMAGES.items():
            if url.startswith(prefix):
                try:
                    return URLFetcherResponse(url[:40], body=base64.b64decode(url[len(prefix):], validate=True),
                                              headers={"Content-Type": mime})
                except (ValueError, binascii.Error):
                    break
        if not url.startswith(SCHEME):
            self.refused.append(url)
            raise BlockedURL(f"blocked: {url[:80]}")
        relative = url[len(SCHEME):].lstrip("/").split("?", 1)[0].split("#", 1)[0]
        path = (STATIC_ROOT / relative).resolve()
        if not path.is_file() or STATIC_ROOT not in path.parents:
            self.refused.append(url)
            raise BlockedURL(f"blocked: {url[:80]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})
