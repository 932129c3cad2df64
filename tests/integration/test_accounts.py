"""Log in and out, sessions that really end, reset and invitation links, rate limits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from maturity.accounts import passwords, tokens
from maturity.accounts.models import User, UserSession
from maturity.extensions import db

from ..conftest import link_in, outbox_messages
from ..factories import PASSWORD, UserFactory


def test_login_with_right_password_lands_on_overview(client, auth, world):
    response = auth.login(world.ours.director)
    assert response.location == "/"
    assert "Klant ons" in client.get("/", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("email,password", [
    ("directeur@ons.example.nl", "wrong password here"),
    ("nobody@example.nl", PASSWORD),
])
def test_wrong_credentials_get_one_message_that_reveals_nothing(client, world, email, password):
    response = client.submit("/login", {"email": email, "password": password})
    assert response.status_code == 200
    assert "komen niet overeen" in response.get_data(as_text=True)


def test_login_form_errors_are_shown_not_500(client, db):
    response = client.submit("/login", {"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vul een geldig e-mailadres in" in html and 'aria-invalid="true"' in html


def test_login_starts_a_new_session(client, auth, world):
    client.get("/")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(world.ours.director)
    with client.session_transaction() as session:
        assert "planted" not in session
        token = session["_user_id"]
    assert str(world.ours.director.id) != token and len(token) > 30


def test_a_cookie_captured_before_logout_no_longer_works(client, make_client, auth, world):
    auth.login(world.ours.director)
    stolen_cookie = client.get_cookie("session", domain="klantspiegel.local").value
    auth.logout()
    thief = make_client()
    thief.set_cookie("session", stolen_cookie, domain="klantspiegel.local")
    response = thief.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_password_change_ends_other_logins_and_keeps_this_one(make_client, world):
    laptop, phone = make_client(), make_client()
    for c in (laptop, phone):
        c.submit("/login", {"email": world.ours.director.email, "password": PASSWORD})
    response = laptop.submit("/account/password", {
        "current_password": PASSWORD, "password": "een nieuw lang wachtwoord", "confirm": "een nieuw lang wachtwoord",
    })
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_password_change_needs_the_current_password(client, auth, world):
    auth.login(world.ours.director)
    response = client.submit("/account/password", {
        "current_password": "not it at all", "password": "een nieuw lang wachtwoord", "confirm": "een nieuw lang wachtwoord",
    })
    assert response.status_code == 400
    assert "niet uw huidige wachtwoord" in response.get_data(as_text=True)


def test_deactivated_user_is_logged_out_and_cannot_log_in(client, auth, world):
    from maturity.accounts.services import deactivate_user

    auth.login(world.ours.director)
    deactivate_user(db.session.get(User, world.ours.director.id))
    assert client.get("/account").status_code == 302
    response = client.submit("/login", {"email": world.ours.director.email, "password": PASSWORD})
    assert response.status_code == 200


def test_idle_sessions_expire(app, client, auth, world):
    auth.login(world.ours.director)
    db.session.execute(sa.update(UserSession).values(
        last_seen_at=sa.func.datetime("now", "-13 hours") if db.engine.dialect.name == "sqlite"
        else sa.text("now() - interval '13 hours'")
    ))
    assert client.get("/account").status_code == 302


def test_passwords_are_hashed_with_argon2id_owasp_parameters(db):
    stored = passwords.hash_password("een prima wachtwoord")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(stored, "een prima wachtwoord")
    assert not passwords.verify_password(stored, "een ander wachtwoord")


@pytest.mark.parametrize("candidate,problem", [
    ("kort", "too_short"),
    ("wachtwoord123", "common"),
    ("1234567890", "common"),
    ("Welkom2026!", "common"),
    ("qwertyuiop", "common"),
    ("directeur-ons-2026", "personal"),
    ("een zin die ik onthoud", None),
])
def test_password_policy(candidate, problem):
    assert passwords.password_problem(candidate, email="directeur@ons.example.nl", name="Jan") == problem


def test_forgot_password_sends_a_single_use_link(client, world):
    response = client.submit("/password/forgot", {"email": world.ours.director.email})
    assert response.status_code == 302
    reset_path = link_in(outbox_messages()[-1].body_text, "/password/reset/")
    assert client.get(reset_path).status_code == 200
    new = "mijn nieuwe wachtwoordzin"
    response = client.submit(reset_path, {"password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get(reset_path).status_code == 400  # used: the hash it was bound to changed
    client.submit("/logout")
    assert client.submit("/login", {"email": world.ours.director.email, "password": new}).status_code == 302


def test_forgot_password_answers_the_same_for_unknown_addresses(client, db):
    response = client.submit("/password/forgot", {"email": "niemand@example.nl"}, follow_redirects=True)
    assert "Als er een account" in response.get_data(as_text=True)
    assert outbox_messages() == []


def test_expired_reset_link_is_refused(app, client, world):
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        with app.test_request_context():
            token = tokens.make_token(world.ours.director, tokens.PASSWORD_RESET)
        assert client.get(f"/password/reset/{token}").status_code == 400
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600


def test_a_token_for_one_purpose_does_not_work_for_another(app, client, world):
    with app.test_request_context():
        token = tokens.make_token(world.ours.director, tokens.PASSWORD_RESET)
    assert client.get(f"/invitation/{token}").status_code == 400


def test_tampered_token_is_refused(client, world):
    assert client.get("/password/reset/eyJ1IjoxfQ.abc.def").status_code == 400


def test_invitation_is_accepted_once(client, app, db):
    user = UserFactory(email="nieuw@example.nl", name="Nieuwe Collega", password_hash=None)
    with app.test_request_context():
        token = tokens.make_token(user, tokens.INVITATION)
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200 and "Nieuwe Collega" in page.get_data(as_text=True)
    weak = client.submit(f"/invitation/{token}", {"name": "Nieuwe Collega", "password": "welkom12345", "confirm": "welkom12345"})
    assert weak.status_code == 200 and "te vaak gebruikt" in weak.get_data(as_text=True)
    good = "koffie met de klant"
    response = client.submit(f"/invitation/{token}", {"name": "Nieuwe Collega", "password": good, "confirm": good})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert client.get(f"/invitation/{token}").status_code == 400


@pytest.mark.parametrize("target,expected", [
    ("/account", "/account"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_next_only_redirects_to_our_own_paths(client, world, target, expected):
    response = client.submit("/login", {"email": world.ours.director.email, "password": PASSWORD, "next": target})
    assert response.location == expected


def test_login_is_rate_limited(client, world):
    statuses = [
        client.submit("/login", {"email": world.ours.director.email, "password": "wrong guess number"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429  # per account
    again = client.submit("/login", {"email": world.ours.director.email, "password": "y"})
    assert again.status_code == 429 and "Te veel pogingen" in again.get_data(as_text=True)


def test_one_address_trying_many_accounts_is_limited(client, world):
    statuses = [client.submit("/login", {"email": f"gok{i}@example.nl", "password": "wrong guess"}).status_code
                for i in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429  # per address (LOGIN_RATE_LIMIT)


def test_logout_is_post_only(client, auth, world):
    auth.login(world.ours.director)
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_colleagues_behind_one_office_address_all_activate_their_accounts(make_client, app, db):
    """Accepting an invitation is limited per invitation, not per address: a whole office
    behind one address (NAT, a proxy) activates at the same time."""
    from maturity.accounts.models import User

    with app.test_request_context():
        users = [User(email=f"collega{i}@kantoor.example.nl", name=f"Collega {i}") for i in range(24)]
        db.session.add_all(users)
        db.session.flush()
        links = [f"/invitation/{tokens.make_token(u, tokens.INVITATION)}" for u in users]
    password = "een lange zin als wachtwoord"
    statuses = []
    for i, link in enumerate(links):
        colleague = make_client()  # each their own browser, all from 127.0.0.1
        statuses.append(colleague.submit(link, {"name": f"Collega {i}", "password": password, "confirm": password}).status_code)
    assert statuses == [302] * 24


def test_guessing_on_one_invitation_is_limited(client, app, db):
    from maturity.accounts.models import User

    with app.test_request_context():
        user = User(email="doelwit@example.nl", name="Doelwit")
        db.session.add(user)
        db.session.flush()
        link = f"/invitation/{tokens.make_token(user, tokens.INVITATION)}"
    statuses = [client.submit(link, {"name": "x", "password": "kort", "confirm": "kort"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_one_address_cannot_be_mail_bombed_with_reset_links(client, world):
    for _ in range(5):
        client.submit("/password/forgot", {"email": world.ours.director.email})
    assert client.submit("/password/forgot", {"email": world.ours.director.email}).status_code == 429
