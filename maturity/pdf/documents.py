"""A document the worker makes on request (the board report and its versions, the board deck, the
customer card, a respondent's personal result): how its row asks for it, how a job claims and
makes it, and what a page may say about it.

Each kind keeps its own table (``Document`` gives the columns every kind has) and its own job;
they all follow these rules:

- **A POST asks** (``ask``): the row names what the document is made from (its ``key``: a digest
  of everything it shows) and is 'pending'. The view's one commit hands the job, with ids only,
  to the queue (``tasks.enqueue``). Asking again while the row holds or is making the same key
  asks nothing: a second click renders nothing twice.
- **The job makes it** (``make``): it claims the row (one worker at a time), builds the document
  from the database, beats every ``BEAT_SECONDS`` while it works, and stores the file, or why it
  failed, only while the row still asks for the same key.
- **A GET only reads** (``state``): the file when it is ready, otherwise the wait page, which
  polls. When the row looks ``LOST`` (its worker stopped beating: killed, out of memory, a
  restart; or no worker ever claimed it) the page hands the job to the queue again and writes
  nothing; the claim makes any duplicate a no-op. Huey cannot do this for us: a task is removed
  from the queue when a worker takes it, and a worker process that dies takes it along (its
  retries only follow an exception in a running task).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, utcnow
from ..tasks import enqueue
from .render import render_pdf

log = logging.getLogger(__name__)

#: How often a job says it is still at work on a document.
BEAT_SECONDS = 2.0
#: A claim without a heartbeat for this long has lost its worker: the document is asked again.
LOST_AFTER = timedelta(seconds=10)
#: A request no worker claimed for this long may never have reached one (the queue was
#: unreachable, or a worker died the moment it took the job): it is asked again. A worker busy
#: with other jobs may simply not have come to it yet; the extra job is then a no-op.
UNCLAIMED_AFTER = timedelta(minutes=1)

READY, PENDING, FAILED = "ready", "pending", "failed"
#: ``state`` also says: no request for this key (MISSING), or a request whose worker is gone (LOST).
MISSING, LOST = "missing", "lost"


class Document:
    """The columns of every document's row; each model names its key column (``KEY``)."""

    #: The attribute that holds the key of what the row's file is (or is being) made from, and
    #: the one that holds the file.
    KEY: ClassVar[str] = "key"
    DATA: ClassVar[str] = "pdf"

    #: 'ready', 'pending' (asked of the worker) or 'failed'.
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=PENDING, server_default=PENDING)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    requested_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: When a worker took the job, and when it last said it was still at work.
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    heartbeat_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())


@functools.cache
def code_digest() -> bytes:
    """What a document looks like apart from its data: the templates, the print stylesheet, the
    translations and the release. A deployment that changes any of them makes every document new."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    try:
        digest.update(version("maturity").encode())
    except PackageNotFoundError:  # pragma: no cover - run from a checkout without install
        pass
    files = [*sorted((package.parent / "templates").rglob("*.html")), *sorted((package / "static" / "pdf").rglob("*")),
             *sorted((package / "translations").rglob("*.po"))]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def key_of(parts) -> str:
    """A document's key: a digest of the code and of ``parts``, everything it shows (plain values)."""
    return hashlib.sha256(code_digest() + repr(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Wanted:
    """A document as it stands, for a page: the row that asks for or holds it (None: never
    asked), the key of what it would be made from now, and what the row says of that."""

    row: Document | None
    key: str | None
    state: str

    @property
    def ready(self) -> bool:
        return self.state == READY


def wanted(row: Document | None, key: str) -> Wanted:
    return Wanted(row, key, state(row, key))


def ask_again_if_lost(wanted: Wanted, job) -> None:
    """A GET's one remedy: a document whose worker is gone is handed to the queue again (the
    job's claim makes a duplicate a no-op); nothing is written."""
    if wanted.state == LOST:
        log.warning("%s=%s looks lost (no heartbeat); asked again", wanted.row.__tablename__, wanted.row.id)
        enqueue(job, wanted.row.id, wanted.key)


def state(row: Document | None, key: str, now: datetime | None = None) -> str:
    """What the row says of the document for ``key``: READY, PENDING, FAILED, LOST or MISSING."""
    if row is None or getattr(row, row.KEY) != key:
        return MISSING
    if row.status in (READY, FAILED):
        return row.status
    now = now or utcnow()
    if row.claimed_at is not None:
        lost = row.heartbeat_at is None or now - row.heartbeat_at > LOST_AFTER
    else:
        lost = row.requested_at is None or now - row.requested_at > UNCLAIMED_AFTER
    return LOST if lost else PENDING


def ask(row: Document, key: str) -> bool:
    """Mark ``row`` as asking for the document of ``key`` (in the caller's transaction), unless it
    holds it or a live worker is making it. True when the job must be handed to the queue."""
    if state(row, key) in (READY, PENDING):
        return False
    setattr(row, row.KEY, key)
    setattr(row, row.DATA, None)
    row.status, row.error, row.requested_at, row.claimed_at, row.heartbeat_at = PENDING, None, utcnow(), None, None
    return True


def _this_request(model: type[Document], row_id: int, key: str):
    return sa.and_(model.id == row_id, getattr(model, model.KEY) == key, model.status == PENDING)


def claim(model: type[Document], row_id: int, key: str) -> bool:
    """Take the job, unless another worker is (still) at it or the row no longer asks for ``key``.
    Committed at once, so that every other worker sees it."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(model).where(_this_request(model, row_id, key), sa.or_(
            model.claimed_at.is_(None), model.heartbeat_at.is_(None), model.heartbeat_at < now - LOST_AFTER))
        .values(claimed_at=now, heartbeat_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def beat(model: type[Document], row_id: int, key: str) -> None:
    """Still at work (committed at once). A beat that cannot be written costs the document
    nothing: at worst another worker takes it over."""
    try:
        db.session.execute(sa.update(model).where(_this_request(model, row_id, key)).values(heartbeat_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("%s=%s: heartbeat not written", model.__tablename__, row_id)


def make(model: type[Document], row_id: int, key: str, build: Callable[[Callable[[], None]], dict], *,
         cleared: tuple[str, ...] = ()) -> None:
    """The job's body: claim the row, ``build(beat)`` the values to store (the file, ...) while
    beating, and store them, or the failure, while the row still asks for ``key``. ``cleared``:
    columns emptied either way (what only the making needed)."""
    if not claim(model, row_id, key):
        log.info("%s=%s: not asked for this key, ready, or being made elsewhere", model.__tablename__, row_id)
        return
    try:
        values = {"status": READY, **build(lambda: beat(model, row_id, key))}
    except Exception as exc:  # noqa: BLE001 — recorded on the row; the wait page offers to try again
        db.session.rollback()
        log.exception("%s=%s could not be made", model.__tablename__, row_id)
        values = {"status": FAILED, "error": (str(exc) or type(exc).__name__)[:200]}
    values.update(dict.fromkeys(cleared))
    db.session.execute(sa.update(model).where(_this_request(model, row_id, key)).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def pdf_of(html_of: Callable[[], str], beat: Callable[[], None]) -> bytes:
    """A PDF job's ``build``: the HTML made from the database, then rendered (beating while the
    child renders). The reads end before the rendering: no transaction stays open (on SQLite,
    no lock is held) for the seconds a PDF takes."""
    html = html_of()
    db.session.commit()
    pdf, refused = render_pdf(html, on_wait=beat, every=BEAT_SECONDS)
    if refused:
        log.warning("%d URL(s) refused while rendering", len(refused))
    return pdf
