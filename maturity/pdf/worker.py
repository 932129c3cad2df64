"""Runs in the child process: the only place WeasyPrint is imported."""

from __future__ import annotations

import logging
import resource

from .fetcher import SCHEME, StaticOnlyFetcher

log = logging.getLogger(__name__)


def limit_memory(max_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def html_to_pdf(html: str) -> tuple[bytes, list[str]]:
    """Render; returns the PDF and the URLs the fetcher refused."""
    from weasyprint import HTML  # lazy for cost: only the PDF child process loads WeasyPrint


    fetcher = StaticOnlyFetcher()
    pdf = HTML(string=html, base_url=SCHEME + "/", url_fetcher=fetcher).write_pdf()
    if fetcher.refused:
        log.warning("PDF render refused %d URL(s)", len(fetcher.refused))
    return pdf, fetcher.refused
