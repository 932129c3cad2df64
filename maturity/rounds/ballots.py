"""The ballot box: how an answer travels from a person to an anonymous response.

What is promised (docs/privacy.md, "Threat model"): whoever copies the database — while the
round is open, after it closes, or both — cannot tell which response is whose better than
chance without the server's key; with the key and a copy while the round is open, no better
than among a batch of at least the round's minimum.

- **Casting.** An employee's questionnaire or a customer's answers become a ``Ballot``: the
  content padded to one fixed length per kind and sealed under a key derived from the server's
  secret. The row holds nothing else: no person, invitation, time or department in the clear.
- **Mixing.** A new ballot sits in the transaction that cast it (next to its invitation's update
  on PostgreSQL, after the one before it in SQLite's pages). As soon as a round's unmixed
  ballots number the round's minimum, they are rewritten as one batch: opened, sealed again
  with fresh nonces, given new random ids and inserted in a random order, all in one
  transaction. Row order and transaction ids then say "one of this batch", no more.
- **Release.** At close every ballot is opened and stored as a response (employees) or a
  customer response, in an order drawn from the operating system's random source — not the
  ballots' ids, their position or their batch, all of which a copy taken while the round was
  open shows — in the one closing transaction.
- **Erasure.** The released ballots are deleted, and then removed physically (``scrub``, run
  by the worker after the close commits): SQLite overwrites deleted content (``secure_delete``)
  and the write-ahead log is checkpointed and truncated; PostgreSQL rewrites the ballot table
  and the customer invitations (``VACUUM FULL``), so no old row version keeps a ballot or an
  erased address.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from ..extensions import db
from ..sqlite import BUSY_TIMEOUT_MS as SQLITE_BUSY_TIMEOUT_MS
from . import links
from ..utils import random_id
from .models import Ballot

log = logging.getLogger(__name__)

EMPLOYEE, CUSTOMER = "employee", "customer"

#: Ballots opened (and responses written) per statement at release.
RELEASE_BATCH = 1000
#: How long the physical erasure on PostgreSQL waits for the tables (``scrub``).
VACUUM_LOCK_TIMEOUT = "1s"

_random = secrets.SystemRandom()


class BallotUnreadable(Exception):
    """A ballot no configured key opens (``SECRET_KEY`` rotated without the old one in
    ``SECRET_KEY_FALLBACKS``): the round is not closed, nothing is dropped."""


def cast(round_id: int, kind: str, content: dict, *, batch_size: int) -> None:
    """Put one sealed ballot into the round's box (in the caller's transaction, which holds the
    round's lock), and mix the unmixed ones once there are ``batch_size`` of them."""
    db.session.execute(sa.insert(Ballot.__table__), {
        "id": random_id(), "round_id": round_id, "kind": kind, "batch": None,
        "sealed": links.seal_ballot(content, kind),
    })
    mix(round_id, batch_size=batch_size)


def mix(round_id: int, *, batch_size: int) -> int:
    """Rewrite the round's unmixed ballots as one batch when there are at least ``batch_size``:
    each opened and sealed again (a fresh nonce, so old and new bytes have nothing in common),
    under a new random id, inserted in a random order. Returns how many were mixed.

    The rows are locked first: of two submissions that both see a full batch, the second waits,
    then finds the batch gone and mixes nothing (no ballot is ever written twice)."""
    rows = db.session.execute(
        sa.select(Ballot.id, Ballot.kind, Ballot.sealed)
        .where(Ballot.round_id == round_id, Ballot.batch.is_(None)).with_for_update()).all()
    if len(rows) < batch_size:
        return 0
    try:
        fresh = [{"id": random_id(), "round_id": round_id, "kind": kind,
                  "sealed": links.seal_ballot(links.open_ballot(sealed), kind)} for _id, kind, sealed in rows]
    except InvalidToken:
        log.warning("round %s: ballots sealed under a retired key are mixed at close", round_id)
        return 0
    # In chunks: a backlog (ballots under a key the server regained) may exceed what one
    # statement can bind (65,535 parameters on PostgreSQL).
    ids = [r[0] for r in rows]
    deleted = sum(db.session.execute(sa.delete(Ballot).where(Ballot.id.in_(ids[start:start + RELEASE_BATCH]))).rowcount
                  for start in range(0, len(ids), RELEASE_BATCH))
    if deleted != len(rows):  # cannot happen under the row locks; never duplicate a ballot
        raise RuntimeError("ballots changed while being mixed")
    batch = secrets.randbelow(2 ** 31)
    _random.shuffle(fresh)
    db.session.execute(sa.insert(Ballot.__table__), [dict(row, batch=batch) for row in fresh])
    return len(fresh)


def count(round_ids: list[int], kind: str) -> dict[int, int]:
    """Ballots waiting per round (counts only)."""
    if not round_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Ballot.round_id, sa.func.count()).where(Ballot.round_id.in_(round_ids), Ballot.kind == kind)
        .group_by(Ballot.round_id)).all())


def opened(round_id: int) -> Iterator[tuple[str, dict]]:
    """(kind, content) of every ballot of the round, in an order drawn from the operating
    system's random source, a batch of rows at a time (memory stays bounded by the ids)."""
    ids = list(db.session.scalars(sa.select(Ballot.id).where(Ballot.round_id == round_id)))
    _random.shuffle(ids)
    for start in range(0, len(ids), RELEASE_BATCH):
        chunk = ids[start:start + RELEASE_BATCH]
        found = {ballot_id: (kind, sealed) for ballot_id, kind, sealed in db.session.execute(
            sa.select(Ballot.id, Ballot.kind, Ballot.sealed).where(Ballot.id.in_(chunk)))}
        for ballot_id in chunk:
            kind, sealed = found[ballot_id]
            try:
                yield kind, links.open_ballot(sealed)
            except InvalidToken:
                raise BallotUnreadable() from None  # refuse to close: never drop an answer


def empty(round_id: int) -> None:
    db.session.execute(sa.delete(Ballot).where(Ballot.round_id == round_id))


def scrub() -> None:
    """Remove deleted ballots (and erased addresses) physically, after the close has committed:
    a deleted row otherwise stays on disk until the database reuses its space. Outside any
    transaction; a failure is logged, never raised (the round is published either way, and the
    next close scrubs again)."""
    engine = db.engine
    try:
        if engine.dialect.name == "sqlite":
            _checkpoint_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # A full vacuum needs the tables to itself; waiting behind a long transaction
                # would queue every submission behind it. A second at most, then the next close.
                conn.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
                # FULL: a plain vacuum frees dead rows' space for reuse but may leave their bytes
                # in the page; a full one writes the live rows to new files and drops the old.
                conn.exec_driver_sql("VACUUM FULL ballot, customer_invitation")
    except sa.exc.OperationalError as exc:
        log.warning("released ballots not yet removed physically (%s); the next close tries again",
                    str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
    except Exception:  # noqa: BLE001 — best effort by design, and said so in the log
        log.exception("could not remove released ballots physically; the next close tries again")


def _checkpoint_sqlite(engine) -> None:
    """Copy the write-ahead log into the database file (where ``secure_delete`` has zeroed the
    deleted rows) and truncate it, so no earlier page image keeps a ballot. A connection in the
    middle of a transaction makes the checkpoint incomplete: try a few times, briefly (never
    holding up the worker for long), and leave the rest to the next close."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout=100")
        try:
            for attempt in range(3):
                busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                time.sleep(0.1 * (attempt + 1))
            log.warning("the write-ahead log could not be truncated (another connection kept it busy)")
        finally:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        raw.close()
