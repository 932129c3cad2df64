"""The task queue: Huey, embedded on SQLite by default and on Redis in production.

``TASK_QUEUE_URL`` chooses the storage:

- ``sqlite:///path/tasks.sqlite3`` (the default, in ``instance/``): one machine, no extra service;
  ``flask worker`` (started by ``make run``) consumes it;
- ``redis://host:6379/0``: several web hosts and workers share one queue and one set of locks;
- ``immediate``: a task runs in the process that enqueues it, at once (the tests' default;
  the dedicated queue tests run a real worker process instead).

Tasks run inside an application context of the app that configured the queue, with a
session of their own. ``enqueue`` hands a task over only once the transaction that asked for it
has committed, and drops it when that transaction rolls back: a
worker never looks for a row that is not there yet, nor acts on a change that was undone. Tasks
carry ids, never documents, and are idempotent: the database, not the queue, records what has
been done (docs/deploy.md).

This package is at the bottom of the house: it knows the queue, not what runs on it. Each
feature declares its own jobs beside its services (``mail/jobs.py``, ``rounds/jobs.py``,
``reports/jobs.py``, ``accounts/jobs.py``, ``privacy/retention.py``); the app factory imports them so
that the worker knows every task and the schedule.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from huey import Huey, crontab
from huey.exceptions import TaskLockedException
from huey.storage import MemoryStorage, RedisExpireStorage, SqliteStorage

from ..extensions import db
from ..models_base import utcnow

log = logging.getLogger(__name__)

#: The one queue. Configured by ``init_app`` before anything is enqueued.
huey = Huey("klantspiegel", results=False, storage_class=MemoryStorage, immediate=True)

_app = None
_configured: str | None = None


def configure(url: str) -> None:
    """Point the queue at its storage (see the module docstring)."""
    global _configured
    if url == _configured:
        return
    _configured = url
    if url == "immediate":
        huey.immediate = True
        return
    if url.startswith("redis://") or url.startswith("rediss://") or url.startswith("unix://"):
        # The "expire" storage lets locks expire on any Redis version: a worker killed while
        # holding one does not block that job forever.
        huey.storage_class, huey.storage_kwargs = RedisExpireStorage, {"url": url}
    elif url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path), "timeout": 15}
    else:
        raise ValueError(f"TASK_QUEUE_URL must be sqlite:///…, redis://… or immediate, not {url[:20]!r}")
    if huey.immediate:
        huey.immediate = False  # recreates the storage from the class and arguments above
    else:
        huey.storage = huey.create_storage()


def lock(name: str, ttl: int):
    """A lock shared by every worker using this storage. Redis lets it expire after ``ttl``
    seconds; SQLite (one machine) cannot, and the worker clears stale locks when it starts."""
    return huey.lock_task(name, ttl=ttl if huey.storage_class is RedisExpireStorage and not huey.immediate else None)


def init_app(app) -> None:
    global _app
    _app = app
    configure(app.config["TASK_QUEUE_URL"])


def enqueue(task, *args, **kwargs) -> None:
    """Hand ``task`` to the worker when the current transaction commits (one is begun if none
    is open); forgotten if it rolls back. The same task with the same arguments is handed over
    once per transaction. With the ``immediate`` queue it runs then, in this process (in an
    application context and database session of its own)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()
    waiting = session.info.setdefault(_AFTER_COMMIT, [])
    if (task, args, kwargs) not in waiting:
        waiting.append((task, args, kwargs))


_AFTER_COMMIT = "klantspiegel.after_commit"


def _hand_over(task, args, kwargs) -> None:
    url = current_app.config["TASK_QUEUE_URL"]
    configure(url)  # a process holds one app; the tests build several
    if url == "immediate":
        task.call_local(*args, **kwargs)
    else:
        task(*args, **kwargs)


@sa.event.listens_for(so.Session, "after_commit")
def _hand_over_after_commit(session: so.Session) -> None:
    for task, args, kwargs in session.info.pop(_AFTER_COMMIT, ()):
        try:
            _hand_over(task, args, kwargs)
        except Exception:  # noqa: BLE001 — committed is committed; what waits is found again later
            log.exception("could not hand %s to the queue; it is asked again later", task.name)


@sa.event.listens_for(so.Session, "after_rollback")
def _forget_after_rollback(session: so.Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _context_app():
    if has_app_context():
        return current_app._get_current_object()  # immediate: the app that enqueued it
    if _app is None:
        raise RuntimeError("the task queue is not configured: call tasks.init_app(app)")
    return _app


def app_task(**options):
    """A Huey task that runs in an application context (with its own database session)."""

    def decorator(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with _context_app().app_context():
                try:
                    return fn(*args, **kwargs)
                finally:
                    db.session.remove()

        return huey.task(name=fn.__name__, **options)(run)

    return decorator


def app_periodic_task(schedule, **options):
    def decorator(fn):
        @functools.wraps(fn)
        def run():
            with _context_app().app_context():
                try:
                    return fn()
                finally:
                    db.session.remove()

        return huey.periodic_task(schedule, name=fn.__name__, **options)(run)

    return decorator


def exclusive(name: str, ttl: int, job) -> None:
    """Run ``job`` unless another worker is running it (the lock is shared through the queue).
    ``name`` must have been registered with ``huey.lock_task`` when the module was imported, so
    that a starting worker on SQLite clears it if a killed worker left it behind."""
    try:
        with lock(name, ttl):
            job()
    except TaskLockedException:
        log.info("%s already running elsewhere; skipped", name)


# --- The worker's heartbeat -------------------------------------------------------------------

HEARTBEAT_KEY = "klantspiegel:worker-heartbeat"


@app_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """The schedule ran: ``flask worker-health`` and the admin page read this."""
    huey.put(HEARTBEAT_KEY, utcnow().isoformat())


def worker_heartbeat_age() -> float | None:
    """Seconds since the worker's schedule last ran; None if it never did."""
    value = huey.get(HEARTBEAT_KEY, peek=True)
    if not value:
        return None
    return (utcnow() - datetime.fromisoformat(value)).total_seconds()
