"""Database connections that sat idle are checked before use; busy ones are not.

SQLAlchemy's ``pool_pre_ping`` sends a round-trip to the database before *every* checkout: on
the respondent's path, one in four of all round-trips. A connection that was in use a moment
ago is almost certainly alive, so only one that has been idle for ``IDLE_BEFORE_PING`` seconds
or more is pinged, with the dialect's own ping; a dead one is replaced before any request uses
it (SQLAlchemy's documented "pessimistic" recipe with a custom check). A database that goes
away while connections are busy fails those requests, and they get the 503 page that keeps what
was posted (``main/errors.py``); SQLAlchemy then renews the whole pool (docs/deploy.md).
"""

from __future__ import annotations

import time

import sqlalchemy as sa

IDLE_BEFORE_PING = 10.0  # seconds


def ping_idle_connections(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        return  # a file: nothing between us and it that could go away

    @sa.event.listens_for(engine, "checkin")
    def _idle_from_now(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return  # just opened, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError() from error  # the pool opens a new connection
