"""An organisation's people, for the client's HR system or directory: listed, added, changed
(name, role, department, segments) and marked as having left, as the people page and SCIM do it
(the same forms and messages; leaving withdraws open invitations). Scope people:manage."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..organisations import services as org_services
from ..organisations.forms import EditMemberForm, MemberForm
from ..segments.models import SegmentValue
from ..segments.services import member_values, segments_of, set_member_value
from ..tenancy.access import key_get, key_organisation, scoped_select
from ..tenancy.models import OrganisationMembership, OrgRole
from .auth import blueprint, page, refuse, refuse_form, requires
from .schemas import LeftSchema, PageArgs, PersonCreateSchema, PersonPage, PersonPatchSchema, PersonSchema

blp = blueprint("people", "An organisation's people (scope people:manage).")


def person_documents(people: list[OrganisationMembership]) -> list[dict]:
    """People as the API gives them: their user, department and segment values read once for
    the page (a fixed number of queries for any number of people)."""
    if not people:
        return []
    names = {s.id: s.name for s in segments_of(people[0].organisation_id)}
    values = member_values(m.id for m in people)
    return [person_document(m, values, names) for m in people]


def person_document(m: OrganisationMembership, values: dict, names: dict) -> dict:
    return {"id": m.id, "organisation_id": m.organisation_id, "name": m.name or m.user.name, "email": m.user.email,
            "role": m.role.value, "department": m.department.name if m.department else None,
            "segments": {names[segment_id]: value.name for segment_id, value in values.get(m.id, {}).items()
                         if segment_id in names}}


def _set_segments(membership: OrganisationMembership, wanted: dict) -> None:
    """Segment name -> value name (or null to clear), each an existing value of that segment."""
    segments = {s.name.lower(): s for s in segments_of(membership.organisation_id)}
    problems = {}
    chosen = []
    for name, value_name in wanted.items():
        segment = segments.get(" ".join(name.split()).lower())
        if segment is None:
            problems[name] = [_("This organisation has no segment with this name.")]
            continue
        value = None
        if value_name is not None and value_name.strip():
            value = db.session.scalar(sa.select(SegmentValue).where(
                SegmentValue.segment_id == segment.id, sa.func.lower(SegmentValue.name) == " ".join(value_name.split()).lower()))
            if value is None:
                problems[name] = [_("“%(value)s” is not a value of this segment: add it on the segments page first.",
                                    value=value_name)]
                continue
        chosen.append((segment, value))
    if problems:
        refuse(422, _("Some fields are not right: see “errors”."), json={"segments": problems})
    for segment, value in chosen:
        set_member_value(membership, segment, value)


@blp.get("/organisations/<int:org_id>/people")
@blp.arguments(PageArgs, location="query")
@blp.response(200, PersonPage)
@requires("people:manage")
def list_people(args, org_id: int):
    """The organisation's people (directors and employees), oldest first."""
    key_organisation(g.api_key, org_id)
    query = scoped_select(OrganisationMembership).options(
        so.joinedload(OrganisationMembership.user), so.joinedload(OrganisationMembership.department))
    items, cursor = page(query, OrganisationMembership.id, args)
    return {"items": person_documents(items), "next_cursor": cursor}


@blp.get("/people/<int:person_id>")
@blp.response(200, PersonSchema)
@requires("people:manage")
def get_person(person_id: int):
    """One person of an organisation the key reaches."""
    return person_documents([key_get(g.api_key, OrganisationMembership, person_id)])[0]


@blp.post("/organisations/<int:org_id>/people")
@blp.arguments(PersonCreateSchema)
@blp.response(201, PersonSchema)
@requires("people:manage")
def create_person(body, org_id: int):
    """Add a person.

    A director gets an account invitation by mail; an employee is invited by each round. 409
    when the address already belongs to the organisation."""
    org = key_organisation(g.api_key, org_id)
    form = MemberForm(formdata=MultiDict({k: body[k] or "" for k in ("name", "email", "department", "role")}),
                      meta={"csrf": False})
    if not form.validate():
        refuse_form(form)
    try:
        membership = org_services.add_member(org, org_services.NewMember(
            form.name.data, form.email.data, form.department.data or None, OrgRole(form.role.data)), inviter=g.api_key.created_by)
    except org_services.AlreadyMember:
        refuse(409, _("This person is already a member of %(org)s.", org=org.name))
    _set_segments(membership, body["segments"])
    return person_documents([membership])[0]


@blp.patch("/people/<int:person_id>")
@blp.arguments(PersonPatchSchema)
@blp.response(200, PersonSchema)
@requires("people:manage")
def update_person(body, person_id: int):
    """Change a person's name, role, department or segments.

    Fields left out stay as they are. The e-mail address cannot change (add the person again)."""
    m = key_get(g.api_key, OrganisationMembership, person_id)
    current = {"name": m.name or m.user.name or "", "department": m.department.name if m.department else "",
               "role": m.role.value}
    current.update({k: ("" if body[k] is None else body[k]) for k in ("name", "department", "role") if k in body})
    form = EditMemberForm(formdata=MultiDict(current), meta={"csrf": False})
    if not form.validate():
        refuse_form(form)
    role = OrgRole(form.role.data)
    if m.role is OrgRole.DIRECTOR and role is not OrgRole.DIRECTOR and org_services.count_directors(g.org) <= 1:
        refuse(409, _("An organisation needs at least one director."))
    org_services.update_member(m, role=role, department=form.department.data or None, name=form.name.data)
    if "segments" in body:
        _set_segments(m, body["segments"])
    db.session.flush()
    db.session.expire(m, ["department"])  # the department's id changed; its row is read again
    return person_documents([m])[0]


@blp.delete("/people/<int:person_id>")
@blp.response(200, LeftSchema)
@requires("people:manage")
def person_left(person_id: int):
    """Mark a person as having left.

    Their open invitations are withdrawn (their personal link stops working) and their
    membership ends; their answers stay in the round, unlinked, as every answer is. The
    organisation's last director is kept (`left`: false)."""
    m = key_get(g.api_key, OrganisationMembership, person_id)
    return {"left": org_services.leave(m, key=g.api_key.id)}
