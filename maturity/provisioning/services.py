"""The directory's tokens, and what a SCIM User means for the organisation's people.

Services flush and never commit: the app commits once per request (the SCIM view first rolls
back a refused one).

A User the directory has *active* is a member of the organisation (an employee, added without
mail: employees are mailed when a round invites them). A User it deactivates (``active: false``,
Entra's and Okta's way) or deletes is an employee who left: the membership ends and their open
invitations are withdrawn (the personal links stop working, any draft goes). What they answered
is anonymous already and stays so: nothing here reads or writes a ballot or a response.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ..accounts.models import User
from ..audit import services as audit
from ..extensions import db
from ..organisations import services as org_services
from ..organisations.services import AlreadyMember, NewMember, add_member, department_named
from ..segments.models import MAX_VALUES, MemberSegment, Segment, SegmentValue
from ..segments.services import clean_name
from ..tenancy.models import Organisation, OrganisationMembership, OrgRole
from .models import SEGMENT_SOURCES, ScimGroupMember, ScimResource, ScimSegmentSource, ScimToken

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ksscim_"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def now() -> datetime:
    return datetime.now(timezone.utc)


# --- tokens ------------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(org: Organisation, label: str, *, by) -> tuple[ScimToken, str]:
    """A new token for the organisation's directory; the plain token is returned once, here."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken(organisation_id=org.id, label=clean_name(label)[:80] or "SCIM", token_hash=hash_token(plain),
                      hint=plain[:len(TOKEN_PREFIX) + 4], created_by_id=getattr(by, "id", None))
    db.session.add(token)
    db.session.flush()
    audit.record("scim_token_created", organisation_id=org.id, obj=token, actor=by, label=token.label)
    log.info("scim token created org=%s token=%s", org.id, token.id)
    return token, plain


def revoke_token(token: ScimToken, *, by) -> None:
    if token.revoked_at is None:
        token.revoked_at = now()
        db.session.flush()
        audit.record("scim_token_revoked", organisation_id=token.organisation_id, obj=token, actor=by, label=token.label)
        log.info("scim token revoked token=%s", token.id)


def tokens_of(org: Organisation) -> list[ScimToken]:
    return list(db.session.scalars(sa.select(ScimToken).where(ScimToken.organisation_id == org.id)
                                   .order_by(ScimToken.revoked_at.is_not(None), ScimToken.id.desc())))


def authenticate(org_slug: str, authorization: str | None) -> tuple[Organisation, ScimToken] | None:
    """The organisation and the token of a request's ``Authorization: Bearer …``, or None when
    the token is missing, unknown, revoked or another organisation's (one query)."""
    scheme, _, plain = (authorization or "").partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    found = db.session.execute(
        sa.select(Organisation, ScimToken).join(ScimToken, ScimToken.organisation_id == Organisation.id)
        .where(ScimToken.token_hash == hash_token(plain), ScimToken.revoked_at.is_(None),
               Organisation.slug == org_slug)).first()
    return (found[0], found[1]) if found else None


def mark_used(token: ScimToken) -> None:
    """Record the token's use, at most once a minute (not one write per read)."""
    moment = now()
    if token.last_used_at is None or (moment - token.last_used_at).total_seconds() > 60:
        token.last_used_at = moment


# --- segment sources ---------------------------------------------------------------------------

def segment_sources(org_id: int) -> dict[int, str]:
    """segment id -> the directory attribute that fills it."""
    return dict(db.session.execute(sa.select(ScimSegmentSource.segment_id, ScimSegmentSource.attribute)
                                   .where(ScimSegmentSource.organisation_id == org_id)).all())


def set_segment_sources(org: Organisation, sources: dict[int, str | None], *, by) -> None:
    """Which directory attribute fills which segment (None: none); segments of the organisation only."""
    own = set(db.session.scalars(sa.select(Segment.id).where(Segment.organisation_id == org.id)))
    db.session.execute(sa.delete(ScimSegmentSource).where(ScimSegmentSource.organisation_id == org.id))
    for segment_id, attribute in sources.items():
        if segment_id in own and attribute in SEGMENT_SOURCES:
            db.session.add(ScimSegmentSource(segment_id=segment_id, organisation_id=org.id, attribute=attribute))
    db.session.flush()
    audit.record("scim_mapping_changed", organisation_id=org.id, actor=by,
                 sources={str(k): v for k, v in sources.items() if v})


# --- people ------------------------------------------------------------------------------------

class NoAddress(ValueError):
    """The User has no usable e-mail address (neither in ``emails`` nor as ``userName``)."""


def address_of(body: dict) -> str:
    emails = body.get("emails") or []
    ordered = sorted(emails, key=lambda e: (not e.get("primary"), e.get("type") != "work"))
    for candidate in [e.get("value") for e in ordered] + [body.get("userName")]:
        if not candidate:
            continue
        try:
            return validate_email(candidate, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            continue
    raise NoAddress()


def name_of(body: dict) -> str:
    name = body.get("name") or {}
    given = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
    return clean_name(body.get("displayName") or name.get("formatted") or given or body.get("userName"))[:120]


def attribute_of(body: dict, attribute: str, groups: list[str]) -> str | None:
    if attribute == "groups":
        return groups[0] if groups else None
    if attribute in ("title", "userType"):
        value = body.get(attribute)
    else:
        value = (body.get(ENTERPRISE) or {}).get(attribute)
    return clean_name(value)[:60] if isinstance(value, str) else None


def sync_person(row: ScimResource, body: dict, *, token: ScimToken) -> None:
    """Make the organisation's people follow the User ``body`` just written to ``row``."""
    org_id = row.organisation_id
    active = body.get("active") is not False
    membership = db.session.get(OrganisationMembership, row.membership_id) if row.membership_id else None
    if not active:
        if membership is not None:
            leave(membership, token=token)
            row.membership_id = None
        return
    try:
        email = address_of(body)
    except NoAddress:
        # Kept for the directory, but no one to invite: not a member (the page says so).
        log.info("scim: user without an e-mail address kept without membership resource=%s", row.id)
        return
    name = name_of(body) or email
    department = clean_name((body.get(ENTERPRISE) or {}).get("department") or "")[:80] or None
    org = db.session.get(Organisation, org_id)
    if membership is None:
        membership = _membership_by_email(org_id, email)
        if membership is None:
            try:
                membership = add_member(org, NewMember(name, email, department, OrgRole.EMPLOYEE),
                                        inviter=None, notify=False)
            except AlreadyMember:  # pragma: no cover - looked up just above
                membership = _membership_by_email(org_id, email)
            audit.record("scim_person_provisioned", organisation_id=org_id, obj=membership, token=token.id)
        row.membership_id = membership.id
    else:
        changed = membership.name != name
        dept = department_named(org, department)
        if (dept.id if dept else None) != membership.department_id:
            membership.department_id = dept.id if dept else None
            changed = True
        if changed:
            membership.name = name
            audit.record("member_changed", organisation_id=org_id, obj=membership, source="scim", token=token.id)
    _sync_segments(membership, body, row)


def _membership_by_email(org_id: int, email: str) -> OrganisationMembership | None:
    return db.session.scalar(sa.select(OrganisationMembership).join(User, User.id == OrganisationMembership.user_id)
                             .where(OrganisationMembership.organisation_id == org_id, User.email == email))


def _group_names(row: ScimResource) -> list[str]:
    """The display names of the Groups that list this User as a member (sorted)."""
    return sorted(name for name, in db.session.execute(
        sa.select(ScimResource.display_name).join(ScimGroupMember, ScimGroupMember.group_id == ScimResource.id)
        .where(ScimGroupMember.user_id == row.id)).all() if name)


def _sync_segments(membership: OrganisationMembership, body: dict, row: ScimResource) -> None:
    sources = segment_sources(membership.organisation_id)
    if not sources:
        return
    groups = _group_names(row) if "groups" in sources.values() else []
    segments = {s.id: s for s in db.session.scalars(sa.select(Segment).where(Segment.id.in_(sources)))}
    values: dict[int, dict[str, SegmentValue]] = {}
    for value in db.session.scalars(sa.select(SegmentValue).where(SegmentValue.segment_id.in_(sources))):
        values.setdefault(value.segment_id, {})[value.name.lower()] = value
    current = {seg: row_ for seg, row_ in ((m.segment_id, m) for m in db.session.scalars(
        sa.select(MemberSegment).where(MemberSegment.membership_id == membership.id)))}
    for segment_id, attribute in sources.items():
        if segment_id not in segments:
            continue
        wanted = attribute_of(body, attribute, groups)
        known = values.setdefault(segment_id, {})
        value = known.get(wanted.lower()) if wanted else None
        if wanted and value is None and len(known) < MAX_VALUES:
            value = SegmentValue(segment_id=segment_id, organisation_id=membership.organisation_id, name=wanted)
            db.session.add(value)
            db.session.flush()
            known[wanted.lower()] = value
        existing = current.get(segment_id)
        if value is None and existing is not None:
            db.session.delete(existing)
        elif value is not None and existing is None:
            db.session.add(MemberSegment(membership_id=membership.id, segment_id=segment_id, value_id=value.id))
        elif value is not None and existing.value_id != value.id:
            existing.value_id = value.id
    db.session.flush()


def leave(membership: OrganisationMembership, *, token: ScimToken) -> bool:
    """The directory says the person left: handled as every leaver is
    (``organisations.services.leave``: open invitations withdrawn, the membership ended, the
    last director kept), audited as the directory's doing."""
    return org_services.leave(membership, action="scim_person_left", token=token.id)
