"""A connection that died while idle in the pool (a database restart, a failover, a firewall
that drops quiet connections) is replaced before anything uses it; one that was in use a moment
ago is not pinged (that round-trip was a quarter of the respondent's)."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from maturity import pooling
from maturity.extensions import db


@pytest.fixture
def engine(database_url, monkeypatch):
    """An engine as the app's (idle connections pinged); ``engine.pings`` counts the pings."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is a file: nothing can drop its connection")
    engine = sa.create_engine(database_url)
    pooling.ping_idle_connections(engine)
    engine.pings = 0
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        engine.pings += 1
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _terminate(engine, pid: int) -> None:
    """What a database restart does to a pooled connection."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_the_app_pings_idle_connections_not_every_checkout(app):
    with app.app_context():
        assert not db.engine.pool._pre_ping
        if db.engine.dialect.name != "sqlite":
            assert len(db.engine.pool.dispatch.checkout) == 1


def test_an_idle_connection_that_died_is_replaced_before_use(engine, monkeypatch):
    killed = _backend(engine)
    _terminate(engine, killed)
    monkeypatch.setattr(pooling, "IDLE_BEFORE_PING", 0.0)  # as if it had been idle a while
    assert _backend(engine) != killed  # no error: a new connection took its place
    assert engine.pings == 1


def test_a_connection_in_use_a_moment_ago_is_not_pinged(engine, monkeypatch):
    """The price of the saved round-trip: a connection that dies between two busy requests fails
    the next statement (the app answers 503 with the answers kept); the pool then renews itself."""
    monkeypatch.setattr(pooling, "IDLE_BEFORE_PING", 3600.0)
    killed = _backend(engine)
    assert _backend(engine) == killed and engine.pings == 0
    _terminate(engine, killed)
    with pytest.raises(sa.exc.OperationalError) as failed:
        _backend(engine)
    assert failed.value.connection_invalidated
    assert _backend(engine) != killed
