"""Test fixtures: one app and schema per session (built by running the migrations), a
per-test transaction rolled back afterwards, a CSRF-aware client, and factories.

Set TEST_DATABASE_URL to run against PostgreSQL; the default is an SQLite file.
"""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
import sqlalchemy.orm
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id

from maturity import create_app
from maturity.extensions import db as _db
from maturity.extensions import limiter

from . import factories

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Client(FlaskClient):
    """A test client that submits forms the way a browser does: with the CSRF token.

    Each request runs in its own app context, as in production; otherwise it would reuse
    the test's context and ``g`` would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        html = self.get("/", follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(html)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url):
    os.environ.pop("DATABASE_URL", None)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SERVER_NAME": "klantspiegel.local",
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tasks run at once in the test process; tests/queue runs a real worker instead.
        "TASK_QUEUE_URL": "immediate",
    })
    app.test_client_class = Client
    with app.app_context():
        _reset_schema()
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        _reset_schema()


def _reset_schema() -> None:
    _db.drop_all()
    with _db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test. Commits in the
    code under test release savepoints instead of committing for real."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine over this connection.
        _db.session = sa.orm.scoped_session(
            sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def make_client(app, db):
    """Clients start with fresh rate limits, so tests don't throttle each other."""
    with app.app_context():
        limiter.reset()
    return app.test_client


@pytest.fixture
def client(make_client) -> Client:
    return make_client()


@pytest.fixture
def world(db):
    """Two consultancies, each with a client organisation, its director and employees."""
    return factories.build_world()


class Auth:
    def __init__(self, client: Client):
        self.client = client

    def login(self, user_or_email, password: str = factories.PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = self.client.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"login failed for {email}"
        return response

    def logout(self):
        return self.client.submit("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def outbox_messages():
    from maturity.mail.models import OutboxMessage

    return _db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def link_in(body: str, path_prefix: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]+)", body)
    assert match, f"no {path_prefix} link in message"
    return match.group(1)


def count_queries(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` runs (asserting it succeeds)."""
    statements = []

    def listener(*args):
        statements.append(1)

    sa.event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", listener)
    return len(statements)


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets (it must get none)."""
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()
