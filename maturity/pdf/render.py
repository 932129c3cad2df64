"""Render HTML to PDF in a recycled child process with a time limit and a memory cap.

Only the worker renders (``pdf.documents``: every PDF is a job; no web request waits for one).
WeasyPrint's memory grows across renders and a hostile document could loop; neither may take
the worker down. The pool is created lazily in each worker process (never before a fork) and its
child is replaced after a few renders.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from typing import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from . import worker

log = logging.getLogger(__name__)

TIME_LIMIT_SECONDS = 60
MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024
RENDERS_PER_CHILD = 20

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()


class PdfRenderError(RuntimeError):
    pass


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=worker.limit_memory, initargs=(MEMORY_LIMIT_BYTES,),
                max_tasks_per_child=RENDERS_PER_CHILD,
            )
        return _pool


def _discard_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            for process in list(getattr(_pool, "_processes", {}).values()):
                process.kill()
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


def render_pdf(html: str, *, timeout: float = TIME_LIMIT_SECONDS, on_wait: Callable[[], None] | None = None,
               every: float = 2.0) -> tuple[bytes, list[str]]:
    """The PDF for ``html`` and the URLs that were refused while rendering it. ``on_wait`` is
    called every ``every`` seconds while the child renders (a job's heartbeat)."""
    try:
        future = _get_pool().submit(worker.html_to_pdf, html)
    except (BrokenProcessPool, RuntimeError):
        # The idle child died (killed, out of memory): the pool is broken and would refuse every
        # render from now on. Start a fresh one for this render.
        log.warning("PDF render pool was broken; starting a new one")
        _discard_pool()
        future = _get_pool().submit(worker.html_to_pdf, html)
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                return future.result(timeout=max(0.0, min(every, left)) if on_wait else max(0.0, left))
            except FutureTimeout:
                if time.monotonic() >= deadline:
                    raise
                on_wait()
    except FutureTimeout:
        log.error("PDF render exceeded %ss; child killed", timeout)
        _discard_pool()
        raise PdfRenderError("timeout") from None
    except (BrokenProcessPool, MemoryError) as exc:
        log.error("PDF render failed: %s", type(exc).__name__)
        _discard_pool()
        raise PdfRenderError(type(exc).__name__) from None
