"""Every mutation of accounts and login sessions."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import locale_for
from ..mail.branding import Sender
from ..mail.services import send_template_mail
from ..models_base import utcnow
from ..tenancy.branding import consultancy_sender
from ..tenancy.hosts import consultancy_of, external_url, home_consultancy_of
from ..tenancy.models import (
    Consultancy,
    ConsultantMembership,
    Organisation,
    OrganisationMembership,
)
from ..tenancy.retention import login_lifetime
from . import tokens
from .models import User, UserSession
from .passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)

log = logging.getLogger(__name__)

_TOUCH_INTERVAL = timedelta(minutes=5)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_or_create_user(email: str, name: str) -> tuple[User, bool]:
    """Return the user with this email, creating an account without password if needed."""
    user = find_user_by_email(email)
    if user is not None:
        return user, False
    user = User(email=normalise_email(email), name=name.strip())
    db.session.add(user)
    db.session.flush()
    log.info("user created id=%s", user.id)
    return user, True


def authenticate(email: str, password: str) -> User | None:
    """Check credentials; upgrades the hash when our parameters changed."""
    user = find_user_by_email(email)
    if user is None or not user.has_password:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User) -> str:
    """Create a new login session and return its raw token (goes into the cookie)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, token_hash=_hash_token(token), created_at=now, last_seen_at=now,
                               expires_at=now + login_lifetime(user.id)))
    user.last_login_at = now
    user.current_session_token = token
    log.info("login user=%s", user.id)
    return token


def load_session_user(token: str) -> User | None:
    """The user_loader: a live, unexpired session of an active user, or None."""
    row = db.session.execute(
        sa.select(UserSession, User).join(User).where(UserSession.token_hash == _hash_token(token))
    ).first()
    if row is None:
        return None
    session_row, user = row
    now = utcnow()
    if (user.is_deactivated or now - session_row.last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]
            or (session_row.expires_at is not None and now >= session_row.expires_at)):
        db.session.delete(session_row)
        return None
    if now - session_row.last_seen_at > _TOUCH_INTERVAL:
        session_row.last_seen_at = now
    user.current_session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash_token(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))


def set_password(user: User, password: str) -> None:
    """Set a new password and end every existing login of this user."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    db.session.flush()
    log.info("password set user=%s", user.id)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def deactivate_user(user: User) -> None:
    user.is_deactivated = True
    end_all_sessions(user)
    log.info("user deactivated id=%s", user.id)


def invitation_context(user: User) -> tuple[str | None, str | None, int | None]:
    """What a person was invited to, for an invitation sent again without an inviter at hand
    (the "forgot password" of someone who never activated): (the organisation's or
    consultancy's name, the consultancy that signs, the organisation's id), from their latest
    membership; (None, None, None) for someone who belongs nowhere."""
    org = db.session.scalar(sa.select(Organisation).join(OrganisationMembership).where(
        OrganisationMembership.user_id == user.id).order_by(OrganisationMembership.id.desc()).limit(1))
    if org is not None:
        return org.name, org.consultancy.name, org.id
    consultancy = db.session.scalar(sa.select(Consultancy).join(ConsultantMembership).where(
        ConsultantMembership.user_id == user.id).order_by(ConsultantMembership.id.desc()).limit(1))
    if consultancy is not None:
        return consultancy.name, consultancy.name, None
    return None, None, None


def send_invitation(user: User, *, context: str | None, inviter: User | None = None, sender: str | None = None,
                    key: str | None = None, organisation_id: int | None = None, key_is_new: bool = False,
                    consultancy_id: int | None = None) -> None:
    """Email an invitation link, or a plain notice when the person already has an account.

    ``context`` names what they were invited to (an organisation or consultancy name; None:
    Klantspiegel itself, never "Klantspiegel in Klantspiegel");
    ``sender`` is the consultancy that signs the mail (white-label), else the platform; the
    links point at the consultancy's own address (of ``consultancy_id``, or of the organisation's).
    """
    home = consultancy_id or consultancy_of(organisation_id)
    brand = _account_sender(home)  # from the consultancy (docs/deploy.md: who sends what)
    with force_locale(locale_for(user)):
        if user.has_password:
            send_template_mail(
                user.email,
                _("You now have access to %(context)s in Klantspiegel", context=context) if context
                else _("You now have access to Klantspiegel"),
                "mail/added_to_tenant.txt",
                user=user, context=context, inviter=inviter, sender=sender,
                login_url=external_url("accounts.login", home),
                key=key, kind="account-invitation", organisation_id=organisation_id, key_is_new=key_is_new, brand=brand,
            )
        else:
            token = tokens.make_token(user, tokens.INVITATION)
            days = current_app.config["INVITATION_MAX_AGE"] // 86400
            send_template_mail(
                user.email,
                _("Invitation to Klantspiegel: %(context)s", context=context) if context
                else _("Invitation to Klantspiegel"),
                "mail/invitation.txt",
                user=user, context=context, inviter=inviter, days=days, sender=sender,
                accept_url=external_url("accounts.accept_invitation", home, token=token),
                private_when_mailed=("accept_url",),
                key=key, kind="account-invitation", organisation_id=organisation_id, key_is_new=key_is_new, brand=brand,
            )


def _account_sender(consultancy_id: int | None) -> Sender | None:
    """Mail about an account comes from the person's consultancy (None: the platform's own)."""
    consultancy = db.session.get(Consultancy, consultancy_id) if consultancy_id else None
    return consultancy_sender(consultancy) if consultancy is not None else None


def send_password_reset(user: User) -> None:
    home = home_consultancy_of(user.id)
    brand = _account_sender(home)
    with force_locale(locale_for(user)):
        token = tokens.make_token(user, tokens.PASSWORD_RESET)
        send_template_mail(
            user.email,
            _("Reset your Klantspiegel password"),
            "mail/password_reset.txt",
            user=user,
            minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
            reset_url=external_url("accounts.reset_password", home, token=token), sender=brand.name if brand else None,
            private_when_mailed=("reset_url",), kind="password-reset", brand=brand,
        )
