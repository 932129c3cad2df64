"""Test fixtures: one app and schema per session (built by running the migrations), a
per-test transaction rolled back afterwards, a CSRF-aware client, and factories.

Set TEST_DATABASE_URL to run against PostgreSQL; the default is an SQLite file.
"""

from __future__ import annotations

import os
import re

import pyotp
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
    the test's context and ``g`` would leak from one request into the next. Redirects are
    followed here, one request (and app context, and database session) after the other:
    Werkzeug's own loop would run the next request while the previous one's context, and on
    SQLite its write transaction, were still open.
    """

    REDIRECTS = {301, 302, 303}

    def open(self, *args, follow_redirects: bool = False, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        for _ in range(10):
            if not (follow_redirects and response.status_code in self.REDIRECTS):
                break
            with self.application.app_context():
                response = super().open(response.location)  # a browser follows with a GET
        return response

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


@pytest.fixture(autouse=True)
def mail_reads_naturally(monkeypatch):
    """No mail any test produces names Klantspiegel as what one was invited to "in Klantspiegel"
    (issue #26: "U bent uitgenodigd voor Klantspiegel in Klantspiegel")."""
    from maturity.mail import services

    original = services.send_mail

    def checked(recipient, subject, body_text, **kwargs):
        for text in (subject, body_text, kwargs.get("stored_body") or ""):
            assert "Klantspiegel in Klantspiegel" not in text, text
        return original(recipient, subject, body_text, **kwargs)

    monkeypatch.setattr(services, "send_mail", checked)


@pytest.fixture
def client(make_client) -> Client:
    return make_client()


@pytest.fixture
def world(db):
    """Two consultancies, each with a client organisation, its director and employees."""
    return factories.build_world()


def sign_in(client: Client, user_or_email, password: str = factories.PASSWORD):
    """Sign in as a person would, with the second step when their account has or needs one:
    the current code from the app, or setting the app up from the page's key."""
    email = getattr(user_or_email, "email", user_or_email)
    response = client.submit("/login", {"email": email, "password": password})
    assert response.status_code == 302, f"login failed for {email}: " + re.sub(r"\s+", " ", response.get_data(as_text=True))[-1500:]
    location = response.headers["Location"]
    if "/login/code" in location:
        response = client.submit("/login/code", {"code": second_step_code(email)})
        assert response.status_code == 302, f"second step failed for {email}"
    elif "/login/setup" in location:
        set_up_second_factor(client, "/login/setup")
    return response


def set_up_second_factor(client: Client, path: str = "/account/two-step") -> list[str]:
    """Set up the authenticator app from the setup page's key, as a person would; returns the
    recovery codes shown."""
    html = client.get(path).get_data(as_text=True)
    secret = re.search(r'class="secret">([^<]+)<', html).group(1).replace(" ", "")
    response = client.submit(path, {"code": pyotp.TOTP(secret).now()})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "recovery-codes" in page
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)


class Auth:
    def __init__(self, client: Client):
        self.client = client

    def login(self, user_or_email, password: str = factories.PASSWORD):
        return sign_in(self.client, user_or_email, password)

    def logout(self):
        return self.client.submit("/logout")


def second_step_code(email: str) -> str:
    """The current code of this person's authenticator app. Tests sign the same person in many
    times within one 30-second step, and each code works once: the record of the last step
    used is cleared first (as if the next step had come)."""
    from maturity.accounts.models import User
    from maturity.accounts.second_factor import secret_of

    user = _db.session.scalar(sa.select(User).where(User.email == email.lower())
                              .execution_options(populate_existing=True))  # as the requests left it
    user.totp_last_step = None
    _db.session.flush()
    return pyotp.TOTP(secret_of(user)).now()


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


def count_queries(client, url: str, headers: dict | None = None) -> int:
    """How many SQL statements one GET of ``url`` runs (asserting it succeeds)."""
    statements = []

    def listener(*args):
        statements.append(1)

    sa.event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url, headers=headers).status_code == 200
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
