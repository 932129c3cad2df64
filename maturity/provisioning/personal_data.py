"""A person's records from a client's directory under privacy's hooks (``privacy.hooks``): they
go when the person is erased (the directory may push them again later: that is a new person),
they are in the person's data download, and once the directory has deactivated someone the
nightly purge deletes their record after the consultancy's sessions period (docs/privacy.md).

A record is the person's when it is tied to one of their memberships, when its userName is their
address, or, for a record tied to no one (the directory deactivated them), when the address in
what the directory sent is theirs: Entra ID's userName is often not the mail address."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..privacy import hooks
from ..sealing import seal, unseal
from ..tenancy.models import Organisation, OrganisationMembership
from . import services
from .models import ScimGroupMember, ScimResource
from .storage import PURPOSE

log = logging.getLogger(__name__)


def _body(row: ScimResource) -> dict:
    return json.loads(unseal(row.body, PURPOSE))


def _address(body: dict) -> str | None:
    try:
        return services.address_of(body)
    except services.NoAddress:
        return None


def records_of(user: User, organisation_ids: list[int] | None = None) -> list[ScimResource]:
    """The person's User records, in these organisations (None: in every organisation)."""
    email = user.email.lower()
    scope = [ScimResource.resource_type == "User"]
    if organisation_ids is not None:
        scope.append(ScimResource.organisation_id.in_(organisation_ids))
    memberships = sa.select(OrganisationMembership.id).where(OrganisationMembership.user_id == user.id)
    found = {row.id: row for row in db.session.scalars(sa.select(ScimResource).where(
        *scope, sa.or_(ScimResource.membership_id.in_(memberships), ScimResource.user_name == email)))}
    for row in db.session.scalars(sa.select(ScimResource).where(
            *scope, ScimResource.membership_id.is_(None),
            sa.or_(ScimResource.user_name.is_(None), ScimResource.user_name != email))):
        if row.id not in found and _address(_body(row)) == email:
            found[row.id] = row
    return sorted(found.values(), key=lambda row: (row.organisation_id, row.created_at, row.id))


def _remove(rows: list[ScimResource]) -> None:
    """The records, their places in groups, and their entries in the groups' bodies as the
    directory sent them (a member there may carry the person's name as ``display``)."""
    ids = {row.id for row in rows}
    groups = db.session.scalars(sa.select(ScimResource).where(ScimResource.id.in_(
        sa.select(ScimGroupMember.group_id).where(ScimGroupMember.user_id.in_(ids)))))
    for group in groups:
        body = _body(group)
        body["members"] = [m for m in body.get("members") or [] if str(m.get("value")) not in ids]
        group.body = seal(json.dumps(body, default=str).encode(), PURPOSE)
        group.version += 1
        group.updated_at = services.now()
    db.session.execute(sa.delete(ScimGroupMember).where(ScimGroupMember.user_id.in_(ids)))
    db.session.execute(sa.delete(ScimResource).where(ScimResource.id.in_(ids)))
    db.session.flush()


@hooks.person_erased.connect
def _erase(user: User, organisation_ids: list[int] | None = None) -> None:
    rows = records_of(user, organisation_ids)
    if rows:
        _remove(rows)
        log.info("scim: %s directory record(s) erased with a person", len(rows))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


@hooks.subject_data_collected.connect
def _subject_data(user: User) -> dict:
    rows = records_of(user)
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({row.organisation_id for row in rows}))).all()) if rows else {}
    groups: dict[str, list[str]] = {}
    if rows:
        for user_id, name in db.session.execute(
                sa.select(ScimGroupMember.user_id, ScimResource.display_name)
                .join(ScimResource, ScimResource.id == ScimGroupMember.group_id)
                .where(ScimGroupMember.user_id.in_([row.id for row in rows]))):
            groups.setdefault(user_id, []).append(name or "")
    records = []
    for row in rows:
        body = _body(row)
        records.append({"organisation": names.get(row.organisation_id), "active": body.get("active") is not False,
                        "created": _iso(row.created_at), "last_changed": _iso(row.updated_at),
                        "groups": sorted(groups.get(row.id, [])), "as_the_directory_sent_it": body})
    return {"directory_records": records}


@hooks.retention_due.connect
def _purge(consultancy, now: datetime, organisations) -> dict[str, int]:
    """Records of people the directory deactivated (tied to no membership, ``active`` false),
    last written longer ago than the consultancy keeps a login session."""
    before = now - timedelta(days=consultancy.retain_sessions_days)
    candidates = db.session.scalars(sa.select(ScimResource).where(
        ScimResource.resource_type == "User", ScimResource.organisation_id.in_(organisations),
        ScimResource.membership_id.is_(None), ScimResource.updated_at < before)).all()
    gone = [row for row in candidates if _body(row).get("active") is False]
    if gone:
        _remove(gone)
    return {"directory_records": len(gone)}
