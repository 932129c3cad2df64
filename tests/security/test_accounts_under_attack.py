"""Account protection that slows an attacker without handing them a denial of service, an
answer that says nothing about whether an account exists, and a database that goes away."""

from __future__ import annotations

from maturity import create_app
from maturity.extensions import limiter

from ..conftest import Client
from ..factories import PASSWORD


def _login(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": client.csrf_token()},
                       environ_base={"REMOTE_ADDR": address})


def test_guesses_from_many_addresses_do_not_lock_the_owner_out(make_client, world):
    victim = world.ours.director.email
    for i in range(30):  # 30 wrong passwords, each from another address
        attacker = make_client()
        assert _login(attacker, victim, "wrong guess number", f"203.0.113.{i}").status_code == 200
    owner = make_client()
    assert _login(owner, victim, PASSWORD, "198.51.100.20").status_code == 302


def test_one_address_guessing_one_account_is_stopped(make_client, world):
    attacker = make_client()
    statuses = [_login(attacker, world.ours.director.email, "wrong guess", "203.0.113.9").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    # The owner, from their own address, is not.
    assert _login(make_client(), world.ours.director.email, PASSWORD, "198.51.100.20").status_code == 302


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(app, world, tmp_path):
    """The request only hands the address to the worker; the lookup and the mail happen there.
    Measured by what the request does (a queued task, nothing else), not by a clock."""
    from maturity import tasks

    queued = create_app({**{k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME", "MAIL_SERVER", "RATELIMIT_STORAGE_URI")},
        "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'tasks.sqlite3'}"})
    queued.test_client_class = Client
    with queued.app_context():
        limiter.reset()
    import sqlalchemy as sa

    from maturity.extensions import db
    from maturity.mail.models import OutboxMessage

    client = queued.test_client()
    outbox = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    pages = []
    try:
        for email in (world.ours.director.email, "niemand@example.nl"):
            with queued.app_context():
                before = tasks.huey.pending_count()
            pages.append(client.submit("/password/forgot", {"email": email}, follow_redirects=True).get_data(as_text=True))
            with queued.app_context():
                assert tasks.huey.pending_count() == before + 1
    finally:
        with queued.app_context():
            tasks.huey.flush()
        tasks.configure("immediate")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == outbox
    # The same page for a known and an unknown address, apart from the CSRF tokens, which carry
    # the clock second they were made in (two requests can straddle a second).
    from .test_confidentiality import _without_csrf

    assert _without_csrf(pages[0].encode()) == _without_csrf(pages[1].encode())


def test_while_the_database_is_away_a_respondent_gets_try_again_with_the_answers_kept(app, tmp_path):
    """Every request fails to reach the database: 503 with Retry-After, and a POST's fields are
    on the page, ready to be sent again (never a password)."""
    away = create_app({**{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "SERVER_NAME", "RATELIMIT_STORAGE_URI",
                                                     "TASK_QUEUE_URL")},
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
                       "WTF_CSRF_ENABLED": False})
    client = away.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    response = client.post("/k/een-klantlink/", data={"mirror.m1.customer": "7", "comment": "Vriendelijk & snel"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "Probeer het zo opnieuw" in page
    assert 'name="mirror.m1.customer" value="7"' in page and 'value="Vriendelijk &amp; snel"' in page
    response = client.post("/login", data={"email": "iemand@example.nl", "password": "geheim"})
    assert response.status_code == 503 and "geheim" not in response.get_data(as_text=True)
