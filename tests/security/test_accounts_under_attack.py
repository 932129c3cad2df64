"""Account protection that slows an attacker without handing them a denial of service, an
answer that says nothing about whether an account exists, and a database that goes away."""

from __future__ import annotations

from maturity import create_app
from maturity.extensions import limiter

from ..conftest import Client
from ..factories import PASSWORD
from ..helpers import without_csrf


def _login(client, email, password, address):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": client.csrf_token()},
                       environ_base={"REMOTE_ADDR": address})


OWNER_ADDRESS = "198.51.100.20"


def _many_addresses():
    """A stranger's addresses, each used for fewer guesses than one address may make."""
    for i in range(10_000):
        yield f"203.0.{i // 250}.{i % 250}"


def test_guesses_from_many_addresses_do_not_lock_the_owner_out(make_client, world):
    """Issue #27: 200 wrong passwords an hour from anywhere locked the owner out (429 from guess
    201). The owner, on a browser they signed in on before and from their own address, still
    signs in after 250 wrong guesses from 250 addresses; the stranger stays throttled."""
    victim = world.ours.director.email
    owner = make_client()
    assert _login(owner, victim, PASSWORD, OWNER_ADDRESS).status_code == 302
    owner.post("/logout", data={"csrf_token": owner.csrf_token()}, environ_base={"REMOTE_ADDR": OWNER_ADDRESS})

    stranger = make_client()
    addresses = _many_addresses()
    statuses = [_login(stranger, victim, f"wrong guess {i}", next(addresses)).status_code for i in range(250)]
    assert set(statuses) <= {200, 429} and statuses[-1] == 429
    # Throttled even with the right password, from a fresh address and a fresh browser: a
    # distributed guesser cannot tell a right guess from a wrong one once refused.
    assert _login(make_client(), victim, PASSWORD, next(addresses)).status_code == 429

    assert _login(owner, victim, PASSWORD, OWNER_ADDRESS).status_code == 302


def test_a_browser_the_owner_signed_in_on_has_a_limit_of_its_own(make_client, world):
    """The known-device cookie is no key: a browser that carries it (stolen, or the owner's
    own) gets 10 wrong passwords a minute, whichever address it uses."""
    victim = world.ours.director.email
    browser = make_client()
    assert _login(browser, victim, PASSWORD, OWNER_ADDRESS).status_code == 302
    browser.post("/logout", data={"csrf_token": browser.csrf_token()})
    addresses = _many_addresses()
    statuses = [_login(browser, victim, "wrong guess", next(addresses)).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    # The cookie counts for the account it was earned on only.
    assert _login(browser, world.theirs.director.email, "wrong guess", OWNER_ADDRESS).status_code == 200


def test_a_guessed_account_and_a_missing_one_are_throttled_alike(make_client, world):
    """Nothing in the answers says whether an account exists: the same statuses, and the same
    page once refused, for a director's address and for one nobody has."""
    seen = {}
    for target in (world.ours.director.email, "niemand@ons.example.nl"):
        stranger = make_client()
        addresses = _many_addresses()
        statuses = [_login(stranger, target, "wrong guess", next(addresses)) for _ in range(31)]
        seen[target] = ([r.status_code for r in statuses], without_csrf(statuses[-1].get_data()))
    (ours, page), (missing, other_page) = seen.values()
    assert ours == missing == [200] * 30 + [429]
    assert page == other_page and "Wachtwoord vergeten?" in page.decode()


def test_the_owner_on_a_new_browser_gets_in_with_a_reset_link(make_client, world):
    """The trade-off: during an attack, a browser the owner never signed in on is refused like
    the stranger's. The owner gets in with a password-reset link (it proves the mailbox, and is
    limited per link, not per account), and that browser is known from then on."""
    from ..conftest import link_in, outbox_messages

    victim = world.ours.director.email
    stranger, addresses = make_client(), _many_addresses()
    for i in range(31):
        _login(stranger, victim, f"wrong guess {i}", next(addresses))
    new_browser = make_client()
    assert _login(new_browser, victim, PASSWORD, OWNER_ADDRESS).status_code == 429

    new_browser.submit("/password/forgot", {"email": victim}, environ_base={"REMOTE_ADDR": OWNER_ADDRESS})
    link = link_in(outbox_messages()[-1].body_text, "/password/reset/")
    fresh = "een nieuwe lange zin als wachtwoord"
    response = new_browser.submit(link, {"password": fresh, "confirm": fresh}, environ_base={"REMOTE_ADDR": OWNER_ADDRESS})
    assert response.status_code == 302
    new_browser.post("/logout", data={"csrf_token": new_browser.csrf_token()})
    assert _login(new_browser, victim, fresh, OWNER_ADDRESS).status_code == 302
    # The stranger is still refused, right password or not.
    assert _login(stranger, victim, fresh, next(addresses)).status_code == 429


def test_the_known_device_cookie_names_no_account(make_client, world):
    import base64
    import json

    from maturity.accounts import devices

    browser = make_client()
    assert _login(browser, world.ours.director.email, PASSWORD, OWNER_ADDRESS).status_code == 302
    cookie = browser.get_cookie(devices.COOKIE, domain=browser.application.config["SERVER_NAME"], path="/login")
    assert cookie is not None and cookie.http_only and cookie.path == "/login"
    payload = cookie.value.split(".")[0]
    entries = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert [sorted(e) for e in entries] == [["a", "n", "t"]]
    assert world.ours.director.email not in cookie.value and "ons.example" not in json.dumps(entries)


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
    assert without_csrf(pages[0].encode()) == without_csrf(pages[1].encode())


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
