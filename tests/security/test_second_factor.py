"""Two-step sign-in (TOTP): required for admins and consultants, optional for directors unless
their consultancy requires it, recovery codes, replay refused, guessing limited, an audited
admin reset."""

from __future__ import annotations

import json
import re
import time

import pyotp
import sqlalchemy as sa

from maturity.accounts.models import RecoveryCode, User, UserSession
from maturity.audit.models import AuditEntry
from maturity.extensions import db

from ..conftest import second_step_code, set_up_second_factor, sign_in
from ..factories import PASSWORD, TOTP_SECRET, consultant


def _actions(user=None) -> list[str]:
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if user is not None:
        query = query.where(sa.or_(AuditEntry.actor_id == user.id, AuditEntry.object_id == user.id))
    return list(db.session.scalars(query))


def _password(client, user):
    return client.submit("/login", {"email": user.email, "password": PASSWORD})


def test_a_consultant_without_an_app_sets_it_up_before_seeing_anything(client, world):
    new = consultant(world.ours.consultancy, second_factor=False, email="nieuw@ons.example.nl")
    response = _password(client, new)
    assert response.location == "/login/setup"
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 302  # not signed in yet
    page = client.get("/login/setup").get_data(as_text=True)
    assert "<svg" in page and 'class="secret"' in page  # the QR code, inline, and the key to type
    wrong = client.submit("/login/setup", {"code": "000000"})
    assert wrong.status_code == 400 and "niet juist" in wrong.get_data(as_text=True)
    codes = set_up_second_factor(client, "/login/setup")
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 200
    db.session.expire_all()
    assert new.has_second_factor
    assert TOTP_SECRET.encode() not in new.totp_secret_sealed  # sealed, not stored in the clear
    assert _actions(new) == ["second_factor_enabled", "login"]
    stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == new.id)))
    assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)  # hashes only


def test_the_password_alone_opens_nothing_and_a_code_works_once(client, world):
    user = world.ours.consultant
    assert _password(client, user).location == "/login/code"
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == user.id)) == 0
    code = second_step_code(user.email)
    assert client.submit("/login/code", {"code": code}).status_code == 302
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 200
    client.submit("/logout")
    _password(client, user)
    replay = client.submit("/login/code", {"code": code})  # the same code, seen over a shoulder
    assert replay.status_code == 400
    assert _actions(user) == ["login", "logout", "login_failed"]
    failed = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
    assert code not in str(failed.detail) and failed.detail == {"second_factor": True}


def test_a_recovery_code_signs_in_once(client, world):
    user = world.ours.consultant
    sign_in(client, user)
    codes = client.submit("/account/two-step/recovery-codes", {"code": second_step_code(user.email)})
    recovery = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", codes.get_data(as_text=True))
    assert len(recovery) == 10
    client.submit("/logout")
    _password(client, user)
    used = client.submit("/login/code", {"code": recovery[0].upper().replace("-", " ")}, follow_redirects=True)
    assert "herstelcode; er zijn er nog 9" in used.get_data(as_text=True)  # how many are left
    client.submit("/logout")
    _password(client, user)
    assert client.submit("/login/code", {"code": recovery[0]}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))) == 9


def test_guessing_codes_is_limited_per_account(client, world):
    user = world.ours.consultant
    _password(client, user)
    statuses = [client.submit("/login/code", {"code": f"{i:06d}"}).status_code for i in range(7)]
    assert statuses[:5] == [400] * 5 and statuses[-1] == 429


def _readable_session(client) -> str:
    """What anyone holding the browser reads in Flask's session cookie: it is signed, not
    encrypted (base64 of JSON, compressed when that is shorter)."""
    import base64
    import zlib

    value = client.get_cookie("session", domain=client.application.config["SERVER_NAME"]).value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode()


def test_the_pending_sign_in_is_nothing_readable(client, world):
    """Between the password and the code the browser holds the pending sign-in; whoever reads
    the cookie learns neither the account (its id) nor where it was going."""
    user = world.ours.consultant
    target = f"/c/{world.ours.consultancy.slug}/clients-of-account-{user.id}"
    response = client.submit("/login", {"email": user.email, "password": PASSWORD, "next": target})
    assert response.location == "/login/code"
    session = json.loads(_readable_session(client))
    assert "pending_login" in session  # what is read is indeed the session, with the pending sign-in

    def leaves(value):
        if isinstance(value, dict):
            return [leaf for v in value.values() for leaf in leaves(v)]
        return [leaf for v in value for leaf in leaves(v)] if isinstance(value, list) else [value]

    assert user.id not in leaves(session)
    assert not any(isinstance(leaf, str) and (target in leaf or user.email in leaf) for leaf in leaves(session))
    code = second_step_code(user.email)
    assert client.submit("/login/code", {"code": code}).location == target


def test_the_second_step_expires(client, world, monkeypatch):
    _password(client, world.ours.consultant)
    later = time.time() + 11 * 60
    monkeypatch.setattr("maturity.accounts.views.time.time", lambda: later)
    response = client.submit("/login/code", {"code": pyotp.TOTP(TOTP_SECRET).at(later)})
    assert response.location == "/login"


def test_a_director_chooses_and_a_consultancy_can_require_it(client, auth, world):
    director = world.ours.director
    auth.login(director)
    assert client.get(f"/o/{world.ours.org.slug}/").status_code == 200  # optional: not asked
    set_up_second_factor(client)
    off = client.submit("/account/two-step/off", {"password": PASSWORD, "code": second_step_code(director.email)})
    assert off.location == "/account"
    db.session.expire_all()
    assert not director.has_second_factor
    # The consultancy requires it from now on: the director is sent to the setup at once.
    auth.logout()
    auth.login(world.ours.consultant)
    from ..helpers import RETENTION

    client.submit(f"/c/{world.ours.consultancy.slug}/settings", {
        **RETENTION, "name": world.ours.consultancy.name, "primary_color": "#00695c", "requires_director_second_factor": "y"})
    auth.logout()
    client.submit("/login", {"email": director.email, "password": PASSWORD})
    assert client.get("/login/setup").status_code == 200
    set_up_second_factor(client, "/login/setup")
    refused = client.submit("/account/two-step/off", {"password": PASSWORD, "code": second_step_code(director.email)})
    assert refused.location == "/account/two-step"
    db.session.expire_all()
    assert director.has_second_factor
    assert "second_factor_policy_changed" in _actions()
    # A director of another consultancy is not affected.
    auth.logout()
    auth.login(world.theirs.director)
    assert client.get(f"/o/{world.theirs.org.slug}/").status_code == 200


def test_an_admin_reset_is_audited_and_ends_every_login(client, auth, world, make_client):
    victim = world.ours.consultant
    elsewhere = make_client()
    sign_in(elsewhere, victim)
    auth.login(world.admin)
    page = client.get("/admin/users", query_string={"q": victim.email}).get_data(as_text=True)
    assert "Reset two-step sign-in" in page or "Tweestapsaanmelding resetten" in page
    client.submit(f"/admin/users/{victim.id}/two-step/reset")
    db.session.expire_all()
    assert not victim.has_second_factor
    assert elsewhere.get(f"/c/{world.ours.consultancy.slug}/").status_code == 302  # logged out
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "second_factor_reset")).one()
    assert entry.actor_id == world.admin.id and entry.object_id == victim.id
    # Their next sign-in sets it up again (required for a consultant).
    assert _password(make_client(), victim).location == "/login/setup"


def test_an_admin_cannot_reset_their_own(client, auth, world):
    auth.login(world.admin)
    client.submit(f"/admin/users/{world.admin.id}/two-step/reset")
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).has_second_factor


def test_a_password_reset_link_does_not_skip_the_second_step(client, world):
    """The link proves the mailbox, not the phone."""
    from maturity.accounts import tokens

    user = world.ours.consultant
    token = tokens.make_token(user, tokens.PASSWORD_RESET)
    response = client.submit(f"/password/reset/{token}", {"password": "een nieuwe wachtzin", "confirm": "een nieuwe wachtzin"})
    assert response.location == "/login/code"
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 302  # not signed in
    assert client.submit("/login/code", {"code": second_step_code(user.email)}).status_code == 302
    assert client.get(f"/c/{world.ours.consultancy.slug}/").status_code == 200
    assert _actions(user)[-1] == "login"
