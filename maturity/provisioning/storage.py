"""The SCIM server's storage: one organisation's Users and Groups in ``scim_resource``.

scim2-server handles the protocol (routing, validation, filters, PATCH, discovery, errors);
this storage reads and writes one organisation's resources only (the organisation of the
request's token) and makes its people follow the Users (``services.sync_person``). Every
request costs the same few queries whatever the organisation's size, but a search whose filter
is not an ``eq`` on userName, externalId or displayName, which reads the organisation's
resources of that type and filters them here.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Union

import sqlalchemy as sa
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    External,
    Filter,
    Group,
    InvalidValueException,
    Meta,
    NotFoundException,
    Patch,
    Reference,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    ScimPolicy,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UniquenessException,
    User,
)
from scim2_server.storage import ScimStorage, SearchPage
from scim2_server.utils import parametrize

from ..audit import services as audit
from ..extensions import db
from ..sealing import seal, unseal
from ..tenancy.models import Organisation
from . import services
from .models import ScimGroupMember, ScimResource, ScimToken

PURPOSE = b"scim-resource"
MAX_RESULTS = 1000

BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken, name="OAuth Bearer Token",
    description="A bearer token of the organisation, made on its provisioning page",
    spec_uri=Reference[External]("https://www.rfc-editor.org/rfc/rfc6750"), primary=True,
)

#: What Entra ID and Okta send that the strict reading refuses: attributes we do not declare
#: are dropped, a ``remove`` with a value removes that value, a replace on a filtered path that
#: matches nothing (``emails[type eq "work"].value``) adds the entry.
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore, remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)


def provider() -> ScimProvider:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True), bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS), change_password=ChangePassword(supported=False),
        sort=Sort(supported=False), etag=ETag(supported=False), authentication_schemes=[BEARER],
    )
    return ScimProvider(models=[User, EnterpriseUser, Group],
                        resource_types=[ResourceType.from_resource(User[EnterpriseUser]), ResourceType.from_resource(Group)],
                        config=config, policy=POLICY)


_EQ = re.compile(r'^\s*(userName|externalId|displayName)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def _body_of(resource: Resource[Any]) -> dict:
    body = resource.model_dump()
    for key in ("id", "meta", "password", "groups"):  # never kept: ours, secret, or derived
        body.pop(key, None)
    return body


class OrganisationStorage(ScimStorage):
    """One organisation's SCIM resources; ``token`` is the request's, for the audit trail."""

    def __init__(self, org: Organisation, token: ScimToken, models: dict[str, type[Resource[Any]]]) -> None:
        self.org, self.token = org, token
        #: resource type name -> the model the service composed for it (User with its extension).
        self.models = models

    # -- reading ------------------------------------------------------------------------------

    def _row(self, resource_type: ResourceType, resource_id: str) -> ScimResource:
        row = db.session.scalar(sa.select(ScimResource).where(
            ScimResource.id == str(resource_id)[:32], ScimResource.organisation_id == self.org.id,
            ScimResource.resource_type == resource_type.name))
        if row is None:
            raise NotFoundException(detail=f"{resource_type.name} {resource_id} not found")
        return row

    def _groups_of(self, user_ids: list[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        if not user_ids:
            return found
        for user_id, group_id, name in db.session.execute(
                sa.select(ScimGroupMember.user_id, ScimResource.id, ScimResource.display_name)
                .join(ScimResource, ScimResource.id == ScimGroupMember.group_id)
                .where(ScimGroupMember.user_id.in_(user_ids), ScimResource.organisation_id == self.org.id)):
            found.setdefault(user_id, []).append({"value": group_id, "display": name, "$ref": f"Groups/{group_id}",
                                                  "type": "direct"})
        return found

    def _resources(self, rows: list[ScimResource]) -> list[Resource[Any]]:
        groups = self._groups_of([r.id for r in rows if r.resource_type == "User"])
        found = []
        for row in rows:
            body = json.loads(unseal(row.body, PURPOSE))
            if row.resource_type == "User" and row.id in groups:
                body["groups"] = groups[row.id]
            resource = self.models[row.resource_type].model_validate(body)
            resource.id = row.id
            resource.meta = Meta(resource_type=row.resource_type, created=row.created_at,
                                 last_modified=row.updated_at, version=f'W/"{row.version}"')
            found.append(resource)
        return found

    def get(self, resource_type: ResourceType, resource_id: str, *,
            response_parameters: ResponseParameters[Any] | None = None) -> Resource[Any]:
        return self._resources([self._row(resource_type, resource_id)])[0]

    def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
               position: Any = None) -> SearchPage:
        names = list(dict.fromkeys(rt.name for rt in resource_types))
        query = sa.select(ScimResource).where(ScimResource.organisation_id == self.org.id,
                                              ScimResource.resource_type.in_(names))
        scim_filter = search_request.filter
        match = _EQ.match(str(scim_filter)) if scim_filter is not None else None
        if match:
            attribute, value = match.group(1).lower(), json.loads(f'"{match.group(2)}"')
            if attribute == "username":
                query = query.where(ScimResource.user_name == value.lower())
            elif attribute == "externalid":
                query = query.where(ScimResource.external_id == value)
            else:
                query = query.where(ScimResource.display_name == value)
        candidates = self._resources(list(db.session.scalars(query.order_by(ScimResource.created_at, ScimResource.id))))
        if scim_filter is not None and not scim_filter.models and candidates:
            models = tuple(dict.fromkeys(type(r) for r in candidates))
            scim_filter = parametrize(ScimFilter, Union[models])(str(scim_filter))  # noqa: UP007
        found = [r for r in candidates if scim_filter is None or scim_filter.match(r)]
        start = search_request.start_index_0 or 0
        stop = None if search_request.count is None else start + search_request.count
        return SearchPage(len(found), found[start:stop])

    # -- writing ------------------------------------------------------------------------------

    def _unique(self, resource_type: ResourceType, resource: Resource[Any], *, other_than: str | None = None) -> str | None:
        if resource_type.name != "User":
            return None
        user_name = (resource.user_name or "").strip().lower()
        if not user_name or len(user_name) > 255:
            raise InvalidValueException(detail="userName is required and at most 255 characters")
        query = sa.select(ScimResource.id).where(ScimResource.organisation_id == self.org.id,
                                                 ScimResource.resource_type == "User", ScimResource.user_name == user_name)
        if other_than is not None:
            query = query.where(ScimResource.id != other_than)
        if db.session.scalar(query) is not None:
            raise UniquenessException(detail=f"userName {resource.user_name!r} is already in use")
        return user_name

    def _write(self, row: ScimResource, resource_type: ResourceType, resource: Resource[Any]) -> None:
        body = _body_of(resource)
        row.external_id = (body.get("externalId") or None)
        if row.external_id is not None and len(row.external_id) > 255:
            raise InvalidValueException(detail="externalId is at most 255 characters")
        row.display_name = (body.get("displayName") or "")[:255] or None
        row.body = seal(json.dumps(body, default=str).encode(), PURPOSE)
        row.updated_at = services.now()
        db.session.flush()
        if resource_type.name == "Group":
            self._set_members(row, body.get("members") or [])
        else:
            services.sync_person(row, body, token=self.token)

    def _set_members(self, group: ScimResource, members: list[dict]) -> None:
        wanted = {str(m.get("value")) for m in members if m.get("value")}
        known = set(db.session.scalars(sa.select(ScimResource.id).where(
            ScimResource.organisation_id == self.org.id, ScimResource.resource_type == "User",
            ScimResource.id.in_(wanted)))) if wanted else set()
        if wanted - known:
            raise InvalidValueException(detail="A member is not a User of this organisation")
        current = set(db.session.scalars(sa.select(ScimGroupMember.user_id).where(ScimGroupMember.group_id == group.id)))
        if current - wanted:
            db.session.execute(sa.delete(ScimGroupMember).where(ScimGroupMember.group_id == group.id,
                                                                 ScimGroupMember.user_id.in_(current - wanted)))
        db.session.add_all(ScimGroupMember(group_id=group.id, user_id=u) for u in wanted - current)
        db.session.flush()
        if "groups" in services.segment_sources(self.org.id).values():
            self._resync(current ^ wanted)

    def _resync(self, user_ids: set[str]) -> None:
        """People whose group membership changed, when a segment is filled from groups."""
        if not user_ids:
            return
        rows = list(db.session.scalars(sa.select(ScimResource).where(ScimResource.id.in_(user_ids))))
        for row, resource in zip(rows, self._resources(rows), strict=True):
            services.sync_person(row, _body_of(resource), token=self.token)

    def _audit(self, action: str, resource_type: ResourceType, row: ScimResource) -> None:
        audit.record("scim_write", organisation_id=self.org.id, obj=self.token, operation=action,
                     resource_type=resource_type.name, resource=row.id)

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        moment = services.now()
        row = ScimResource(id=uuid.uuid4().hex, organisation_id=self.org.id, resource_type=resource_type.name,
                           user_name=self._unique(resource_type, resource), version=1, created_at=moment,
                           updated_at=moment, body=b"")
        db.session.add(row)
        self._write(row, resource_type, resource)
        self._audit("create", resource_type, row)
        return self._resources([row])[0]

    def update(self, resource_type: ResourceType, resource: Resource[Any], *,
               expected_version: str | None = None) -> Resource[Any]:
        row = self._row(resource_type, resource.id)
        row.user_name = self._unique(resource_type, resource, other_than=row.id)
        row.version += 1
        self._write(row, resource_type, resource)
        self._audit("update", resource_type, row)
        return self._resources([row])[0]

    def delete(self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None) -> None:
        row = self._row(resource_type, resource_id)
        self._audit("delete", resource_type, row)
        if resource_type.name == "User" and row.membership_id is not None:
            membership = db.session.get(services.OrganisationMembership, row.membership_id)
            if membership is not None:
                services.leave(membership, token=self.token)
        affected = set()
        if resource_type.name == "Group":
            affected = set(db.session.scalars(sa.select(ScimGroupMember.user_id).where(ScimGroupMember.group_id == row.id)))
        db.session.execute(sa.delete(ScimGroupMember).where(sa.or_(ScimGroupMember.group_id == row.id,
                                                                   ScimGroupMember.user_id == row.id)))
        db.session.delete(row)
        db.session.flush()
        if affected and "groups" in services.segment_sources(self.org.id).values():
            self._resync(affected)
