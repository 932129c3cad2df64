"""SQLite settings that make it safe with several workers and correct with savepoints."""

from __future__ import annotations

import sqlalchemy as sa


#: How long a writer waits for another before "database is locked".
BUSY_TIMEOUT_MS = 15000


def configure_sqlite(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # WAL lets readers proceed while one worker writes; the busy timeout makes writers
        # wait for each other instead of failing with "database is locked".
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted content is overwritten with zeros, not merely marked free: a released ballot
        # or an erased address must not stay readable in the file (rounds.ballots.scrub).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
        # writes cannot wait for another writer (SQLite answers "database is locked" at once),
        # so concurrent submits would fail; this way they queue behind the busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
