"""Two-step sign-in: a time-based code (TOTP, RFC 6238, with ``pyotp``) after the password, and
single-use recovery codes for a lost phone.

- Required for platform admins and consultants; for the directors of a consultancy's clients
  when the consultancy asks for it (``Consultancy.requires_director_second_factor``); optional
  for everyone else with an account. Employees and customers answer without any account.
- The secret is sealed under the server key (``sealing``, its own purpose), never stored or
  logged in the clear; recovery codes are kept as SHA-256 hashes (they are long and random, so
  a slow hash adds nothing).
- A code is accepted once: the time step it belongs to is remembered, and a code of that step
  or an earlier one is refused (a code seen over someone's shoulder cannot be used again).
- A code from the previous or the next 30-second step is accepted too (clock drift).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa

from .. import sealing
from ..extensions import db
from ..models_base import utcnow
from ..tenancy.models import (
    Consultancy,
    ConsultantMembership,
    Organisation,
    OrganisationMembership,
    OrgRole,
)
from .models import RecoveryCode, User

ISSUER = "Klantspiegel"
PURPOSE = b"totp"
STEP = 30
RECOVERY_CODES = 10


def is_required(user: User) -> bool:
    """Whether this person must use a second factor: admins and consultants always; directors
    when their client's consultancy requires it."""
    if user.is_platform_admin:
        return True
    consultant = sa.select(ConsultantMembership.id).where(ConsultantMembership.user_id == user.id).exists()
    director = (
        sa.select(OrganisationMembership.id)
        .join(Organisation, Organisation.id == OrganisationMembership.organisation_id)
        .join(Consultancy, Consultancy.id == Organisation.consultancy_id)
        .where(OrganisationMembership.user_id == user.id, OrganisationMembership.role == OrgRole.DIRECTOR,
               Consultancy.requires_director_second_factor.is_(True))
        .exists()
    )
    return bool(db.session.scalar(sa.select(sa.or_(consultant, director))))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The setup QR code as inline SVG (no image request, nothing sent elsewhere)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1a1a1a", light="#ffffff")


def secret_of(user: User) -> str | None:
    if user.totp_secret_sealed is None:
        return None
    return sealing.unseal(user.totp_secret_sealed, PURPOSE).decode()


def _digits(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def code_matches(secret: str, code: str | None, *, after_step: int | None = None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now, one before or one after), or None. Steps up to
    ``after_step`` are refused: each code works once."""
    code = _digits(code)
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def verify_code(user: User, code: str | None) -> bool:
    """A code from the user's app, accepted once."""
    secret = secret_of(user)
    if secret is None:
        return False
    step = code_matches(secret, code, after_step=user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _normalise_recovery(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def use_recovery_code(user: User, code: str | None) -> bool:
    """Accept an unused recovery code of this user, once."""
    if len(_normalise_recovery(code)) != 10:
        return False
    marked = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    return marked == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None)))


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never stored."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def enable(user: User, secret: str, code: str | None) -> list[str] | None:
    """Turn two-step sign-in on with a secret the user has just added to their app, proven by a
    current code; returns the recovery codes to show once, or None when the code is wrong."""
    step = code_matches(secret, code)
    if step is None:
        return None
    user.totp_secret_sealed = sealing.seal(secret.encode(), PURPOSE)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Remove the secret and the recovery codes (the user, or an admin's audited reset)."""
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
