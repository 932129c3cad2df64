"""WeasyPrint may read our own static files and nothing else: no network, no ``file://``,
no redirects, no ``data:`` tricks. Templates refer to static files as ``ks-static:/path``."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "ks-static:"
STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()


class BlockedURL(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, allowed_protocols=(), allow_redirects=False, **kwargs)
        #: Every URL that was refused, for the log and for tests.
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
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
