"""Making, revoking and recognising API keys.

A consultancy's key is made by one of its consultants and reaches every client organisation of
that consultancy; an organisation's key is made by one of its directors (or its consultant) and
reaches that organisation alone. A key acts for its maker, and only while the maker still holds
that role: a consultant who leaves takes their keys' power with them."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ..audit import services as audit
from ..extensions import db
from ..tenancy.access import CONSULTANT, DIRECTOR, is_consultant_of, organisation_role
from ..tenancy.models import Consultancy, Organisation
from ..segments.services import clean_name
from .models import SCOPES, ApiKey

log = logging.getLogger(__name__)

PREFIX = "ksk_"
#: How long a key may live at most, and the lifetimes the form offers (days).
LIFETIMES = (30, 90, 180, 365)
MAX_LIFETIME = max(LIFETIMES)


def now() -> datetime:
    return datetime.now(timezone.utc)


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _owner(owner) -> dict:
    if isinstance(owner, Consultancy):
        return {"consultancy_id": owner.id}
    if isinstance(owner, Organisation):
        return {"organisation_id": owner.id}
    raise TypeError(owner)


def create_key(owner: Consultancy | Organisation, label: str, scopes: list[str], days: int, *, by) -> tuple[ApiKey, str]:
    """A new key; its plain text is returned once, here."""
    chosen = [s for s in SCOPES if s in scopes]
    days = min(max(int(days), 1), MAX_LIFETIME)
    plain = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(**_owner(owner), label=clean_name(label)[:80] or "API", scopes=" ".join(chosen),
                 key_hash=hash_key(plain), hint=plain[:len(PREFIX) + 4], created_by_id=getattr(by, "id", None),
                 expires_at=now() + timedelta(days=days))
    db.session.add(key)
    db.session.flush()
    audit.record("api_key_created", **_owner(owner), obj=key, actor=by, label=key.label, scopes=chosen,
                 expires=key.expires_at.date().isoformat())
    log.info("api key created key=%s", key.id)
    return key, plain


def revoke_key(key: ApiKey, *, by) -> None:
    if key.revoked_at is None:
        key.revoked_at = now()
        db.session.flush()
        audit.record("api_key_revoked", consultancy_id=key.consultancy_id, organisation_id=key.organisation_id,
                     obj=key, actor=by, label=key.label)
        log.info("api key revoked key=%s", key.id)


def keys_of(owner: Consultancy | Organisation) -> list[ApiKey]:
    column = ApiKey.consultancy_id if isinstance(owner, Consultancy) else ApiKey.organisation_id
    return list(db.session.scalars(sa.select(ApiKey).where(column == owner.id)
                                   .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def is_usable(key: ApiKey, moment: datetime | None = None) -> bool:
    return key.revoked_at is None and key.expires_at > (moment or now())


def maker_still_entitled(key: ApiKey) -> bool:
    """Whether the key's maker still holds the role that let them make it."""
    maker = key.created_by
    if maker is None or not maker.is_active:
        return False
    if key.consultancy_id is not None:
        return is_consultant_of(maker, key.consultancy_id)
    org = db.session.get(Organisation, key.organisation_id)
    return org is not None and organisation_role(maker, org) in (DIRECTOR, CONSULTANT)


def authenticate(authorization: str | None) -> ApiKey | None:
    """The key of a request's ``Authorization: Bearer …``, or None when it is missing, unknown,
    revoked, expired or its maker no longer holds their role."""
    scheme, _, plain = (authorization or "").partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
    if key is None or not is_usable(key) or not maker_still_entitled(key):
        return None
    return key


def mark_used(key: ApiKey) -> None:
    """Record the key's use, at most once a minute (not one write per read)."""
    moment = now()
    if key.last_used_at is None or (moment - key.last_used_at).total_seconds() > 60:
        key.last_used_at = moment
