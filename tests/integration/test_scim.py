"""Provisioning from a client's directory: the SCIM 2.0 endpoint of an organisation, as Entra ID
and Okta use it, checked for RFC compliance by scim2-tester, in process (the app's WSGI
callable, no server)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import ScimProvider
from scim2_tester import Status, check_server

from maturity.audit.models import AuditEntry
from maturity.extensions import db as _db
from maturity.provisioning import services
from maturity.provisioning.models import ScimResource, ScimSegmentSource, ScimToken
from maturity.rounds.models import Invitation
from maturity.segments.models import MemberSegment, Segment, SegmentValue
from maturity.tenancy.models import OrganisationMembership, OrgRole
from tests.conftest import sign_in
from tests.helpers import invite_and_get_link, open_round

SCIM = "application/scim+json"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def base(org) -> str:
    return f"/scim/v2/o/{org.slug}"


@pytest.fixture
def token(world, db):
    _token, plain = services.create_token(world.ours.org, "Entra ID", by=world.ours.director)
    db.session.commit()
    return plain


@pytest.fixture
def scim(make_client, token):
    """A client speaking SCIM to our organisation's endpoint with its token."""
    client = make_client()

    def call(method: str, path: str, body=None, *, bearer: str | None = token, org_slug: str = "klant-ons"):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = client.open(f"/scim/v2/o/{org_slug}{path}", method=method, headers=headers,
                               data=json.dumps(body) if body is not None else None, content_type=SCIM)
        return response

    return call


def entra_user(user_name: str, **extra) -> dict:
    """A User as Entra ID's provisioning service posts it."""
    body = {
        "schemas": [USER, ENTERPRISE], "externalId": user_name.split("@")[0], "userName": user_name, "active": True,
        "displayName": "Fien de Vries", "name": {"givenName": "Fien", "familyName": "de Vries", "formatted": "Fien de Vries"},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "title": "Adviseur", ENTERPRISE: {"department": "Wonen", "division": "Noord", "costCenter": "K-12"},
    }
    body.update(extra)
    return body


def membership_of(org, email):
    from maturity.accounts.models import User
    return _db.session.scalar(sa.select(OrganisationMembership).join(User, User.id == OrganisationMembership.user_id)
                              .where(OrganisationMembership.organisation_id == org.id, User.email == email))


# --- authentication and errors ------------------------------------------------------------------

def test_without_or_with_a_bad_token_the_answer_is_a_scim_401(scim, world, token, db):
    for bearer in (None, "ksscim_wrong", token[:-2] + "xx"):
        response = scim("GET", "/Users", bearer=bearer)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith(SCIM)
        assert response.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert response.json["status"] == "401"
    # Our token does not open another organisation's endpoint (not even which exists).
    assert scim("GET", "/Users", org_slug="klant-hun").status_code == 401
    assert scim("GET", "/Users", org_slug="no-such-org").status_code == 401


def test_a_revoked_token_stops_working_and_both_are_audited(scim, world, db):
    assert scim("GET", "/Users").status_code == 200
    token_row = db.session.scalar(sa.select(ScimToken).where(ScimToken.organisation_id == world.ours.org.id))
    assert token_row.last_used_at is not None
    assert token_row.token_hash != "" and "ksscim_" not in token_row.token_hash
    services.revoke_token(token_row, by=world.ours.director)
    db.session.commit()
    assert scim("GET", "/Users").status_code == 401
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.organisation_id == world.ours.org.id)))
    assert {"scim_token_created", "scim_token_revoked"} <= actions


def test_the_endpoint_is_rate_limited_with_a_scim_429(scim, app, monkeypatch):
    monkeypatch.setitem(app.config, "SCIM_RATE_LIMIT", "3/minute")
    statuses = [scim("GET", "/Users").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = scim("GET", "/Users")
    assert refused.headers["Content-Type"].startswith(SCIM) and refused.json["status"] == "429"
    assert "Retry-After" in refused.headers


def test_errors_are_scim_errors_with_their_status(scim, world, db):
    created = scim("POST", "/Users", entra_user("fien@ons.example.nl"))
    assert created.status_code == 201, created.json
    again = scim("POST", "/Users", entra_user("FIEN@ons.example.nl"))
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"
    missing = scim("GET", "/Users/0123456789abcdef0123456789abcdef")
    assert missing.status_code == 404 and missing.json["status"] == "404"
    stranger = scim("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X",
                                        "members": [{"value": "0123456789abcdef0123456789abcdef"}]})
    assert stranger.status_code == 400 and stranger.json["scimType"] == "invalidValue"
    too_long = scim("POST", "/Users", entra_user("a" * 250 + "@ons.example.nl"))
    assert too_long.status_code == 400 and too_long.json["scimType"] == "invalidValue"
    not_json = scim("POST", "/Users", None)
    assert not_json.status_code == 400
    bad_filter = scim("GET", '/Users?filter=userName eq')
    assert bad_filter.status_code == 400 and bad_filter.json["scimType"] == "invalidFilter"
    # Nothing of a refused request was kept.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScimResource)) == 1


# --- what Entra ID and Okta do -----------------------------------------------------------------

def test_entra_creates_finds_and_updates_a_person(scim, world, db):
    created = scim("POST", "/Users", entra_user("fien@ons.example.nl"))
    assert created.status_code == 201
    user_id = created.json["id"]
    assert created.headers["Location"].endswith(f"{base(world.ours.org)}/Users/{user_id}")
    membership = membership_of(world.ours.org, "fien@ons.example.nl")
    assert membership.role is OrgRole.EMPLOYEE and membership.name == "Fien de Vries"
    assert membership.department.name == "Wonen"

    found = scim("GET", '/Users?filter=userName eq "Fien@ons.example.nl"&startIndex=1&count=10')
    assert found.status_code == 200 and found.json["totalResults"] == 1
    assert found.json["Resources"][0]["id"] == user_id
    assert scim("GET", '/Users?filter=userName eq "nobody@ons.example.nl"').json["totalResults"] == 0

    # Entra's PATCH: capitalised ops, the enterprise attribute by its full path, a filtered path.
    patched = scim("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Verhuur"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "fien@ons.example.nl"},
        {"op": "Replace", "path": "displayName", "value": "Fien van Dijk"},
    ]})
    assert patched.status_code == 200, patched.json
    db.session.expire_all()
    membership = membership_of(world.ours.org, "fien@ons.example.nl")
    assert membership.department.name == "Verhuur" and membership.name == "Fien van Dijk"

    # PUT replaces the whole User.
    replaced = scim("PUT", f"/Users/{user_id}", entra_user("fien@ons.example.nl", displayName="Fien V."))
    assert replaced.status_code == 200 and replaced.json["displayName"] == "Fien V."


def test_paging_through_the_users(scim, world, db):
    for i in range(5):
        assert scim("POST", "/Users", entra_user(f"p{i}@ons.example.nl")).status_code == 201
    first = scim("GET", "/Users?startIndex=1&count=2").json
    assert first["totalResults"] == 5 and first["itemsPerPage"] == 2 and len(first["Resources"]) == 2
    last = scim("GET", "/Users?startIndex=5&count=2").json
    assert len(last["Resources"]) == 1
    seen = {r["userName"] for page in (1, 3, 5) for r in scim("GET", f"/Users?startIndex={page}&count=2").json["Resources"]}
    assert len(seen) == 5


@pytest.mark.parametrize("operation", [
    {"op": "Replace", "path": "active", "value": "False"},  # Entra: a string, capitalised
    {"op": "replace", "value": {"active": False}},  # Okta and Entra without a path
    {"op": "replace", "path": "active", "value": False},
])
def test_a_deactivated_person_is_an_employee_who_left(scim, world, db, app, operation, open_round):
    round_ = open_round
    employee = world.ours.employee
    link = invite_and_get_link(round_)
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.user_id == employee.id,
                                                                Invitation.round_id == round_.id))
    nonce = invitation.nonce
    created = scim("POST", "/Users", entra_user(employee.email))
    assert created.status_code == 201
    # The person already on the list (from a CSV) is the one the directory now keeps.
    assert membership_of(world.ours.org, employee.email).id == employee.membership.id

    patched = scim("PATCH", f"/Users/{created.json['id']}", {"schemas": [PATCH], "Operations": [operation]})
    assert patched.status_code == 200, patched.json
    assert patched.json["active"] is False
    db.session.expire_all()
    assert membership_of(world.ours.org, employee.email) is None
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.nonce != nonce and invitation.sealed_draft is None and invitation.has_opted_out_of_reminders
    assert invitation.user_id == employee.id  # the round's response rate still counts the invitation
    # Their personal link no longer opens the questionnaire.
    client = app.test_client()
    assert client.get(link).status_code in (403, 404, 410)
    # The directory still reads the User, inactive; reactivating makes them a member again.
    assert scim("GET", f"/Users/{created.json['id']}").json["active"] is False
    again = scim("PATCH", f"/Users/{created.json['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": True}]})
    assert again.status_code == 200
    assert membership_of(world.ours.org, employee.email) is not None


def test_a_user_without_an_address_is_kept_but_is_no_member(scim, world, db):
    created = scim("POST", "/Users", {"schemas": [USER], "userName": "fien"})
    assert created.status_code == 201
    row = db.session.get(ScimResource, created.json["id"])
    assert row.membership_id is None


def test_a_deleted_person_leaves_and_nothing_links_the_scim_id_to_an_answer(scim, world, db):
    created = scim("POST", "/Users", entra_user("weg@ons.example.nl")).json
    assert membership_of(world.ours.org, "weg@ons.example.nl") is not None
    assert scim("DELETE", f"/Users/{created['id']}").status_code == 204
    assert scim("GET", f"/Users/{created['id']}").status_code == 404
    assert membership_of(world.ours.org, "weg@ons.example.nl") is None
    # The SCIM id is stored in the SCIM tables alone.
    for table in _db.metadata.sorted_tables:
        if table.name.startswith("scim_") or table.name == "audit_entry":
            continue
        for column in table.columns:
            assert "scim" not in column.name, f"{table.name}.{column.name}"


def test_the_last_director_is_not_removed_by_the_directory(scim, world, db):
    director = world.ours.director
    created = scim("POST", "/Users", entra_user(director.email)).json
    assert scim("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]}).status_code == 200
    assert membership_of(world.ours.org, director.email).role is OrgRole.DIRECTOR


def test_tenancy_a_token_sees_only_its_own_organisation(scim, world, db):
    created = scim("POST", "/Users", entra_user("fien@ons.example.nl")).json
    _t, theirs = services.create_token(world.theirs.org, "Okta", by=world.theirs.director)
    db.session.commit()
    assert scim("GET", f"/Users/{created['id']}", bearer=theirs, org_slug="klant-hun").status_code == 404
    assert scim("DELETE", f"/Users/{created['id']}", bearer=theirs, org_slug="klant-hun").status_code == 404
    assert scim("GET", "/Users", bearer=theirs, org_slug="klant-hun").json["totalResults"] == 0
    # The same userName may exist in both organisations.
    assert scim("POST", "/Users", entra_user("fien@ons.example.nl"), bearer=theirs, org_slug="klant-hun").status_code == 201


def test_segments_filled_from_directory_attributes_and_groups(scim, world, db):
    org = world.ours.org
    region = Segment(organisation_id=org.id, name="Regio")
    team = Segment(organisation_id=org.id, name="Team")
    db.session.add_all([region, team])
    db.session.flush()
    db.session.add(SegmentValue(segment_id=region.id, organisation_id=org.id, name="Noord"))
    services.set_segment_sources(org, {region.id: "division", team.id: "groups"}, by=world.ours.director)
    db.session.commit()

    user = scim("POST", "/Users", entra_user("fien@ons.example.nl")).json
    membership = membership_of(org, "fien@ons.example.nl")
    values = dict(db.session.execute(sa.select(MemberSegment.segment_id, SegmentValue.name).join(
        SegmentValue, SegmentValue.id == MemberSegment.value_id).where(MemberSegment.membership_id == membership.id)).all())
    assert values == {region.id: "Noord"}

    group = scim("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                      "displayName": "Reparaties", "members": [{"value": user["id"]}]})
    assert group.status_code == 201, group.json
    db.session.expire_all()
    values = dict(db.session.execute(sa.select(MemberSegment.segment_id, SegmentValue.name).join(
        SegmentValue, SegmentValue.id == MemberSegment.value_id).where(MemberSegment.membership_id == membership.id)).all())
    assert values == {region.id: "Noord", team.id: "Reparaties"}
    assert scim("GET", f"/Users/{user['id']}").json["groups"][0]["display"] == "Reparaties"
    # Entra removes a member with a PATCH carrying the value.
    removed = scim("PATCH", f"/Groups/{group.json['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": user["id"]}]}]})
    assert removed.status_code == 200, removed.json
    db.session.expire_all()
    assert db.session.get(MemberSegment, (membership.id, team.id)) is None


def test_every_write_is_audited_without_the_person(scim, world, db):
    created = scim("POST", "/Users", entra_user("fien@ons.example.nl")).json
    scim("DELETE", f"/Users/{created['id']}")
    writes = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "scim_write")))
    assert [w.detail["operation"] for w in writes] == ["create", "delete"]
    assert all(w.object_type == "ScimToken" for w in writes)


# --- scale: Entra pushes 200 employees one POST at a time ---------------------------------------

def test_pushing_200_employees_costs_the_same_queries_per_request(scim, world, db):
    counts = []

    def listener(*args):
        counts[-1] += 1

    sa.event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        for i in range(200):
            counts.append(0)
            response = scim("POST", "/Users", entra_user(f"medewerker{i}@ons.example.nl", externalId=f"e{i}"))
            assert response.status_code == 201
            if i in (10, 190):
                counts.append(0)
                found = scim("GET", f'/Users?filter=userName eq "medewerker{i}@ons.example.nl"')
                assert found.json["totalResults"] == 1
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", listener)
    posts = [c for i, c in enumerate(counts) if i not in (11, 192)]
    assert max(posts[5:]) == min(posts[5:]), posts
    assert counts[11] == counts[192]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationMembership).where(
        OrganisationMembership.organisation_id == world.ours.org.id)) == 202


# --- RFC compliance ----------------------------------------------------------------------------

def test_scim2_tester_finds_no_error(app, world, token, db):
    client = WSGISCIMClient(app, base_url=f"http://klantspiegel.local{base(world.ours.org)}",
                            headers={"Authorization": f"Bearer {token}"}, provider=ScimProvider())
    results = check_server(client)
    failed = [(r.title, r.resource_type, r.reason) for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    assert not failed, failed
    assert sum(r.status == Status.SUCCESS for r in results) > 20


# --- the page ---------------------------------------------------------------------------------

def test_directors_make_and_revoke_tokens_on_the_page(make_client, world, db):
    client = make_client()
    sign_in(client, world.ours.director)
    page = client.get("/o/klant-ons/provisioning/")
    assert page.status_code == 200 and "/scim/v2/o/klant-ons" in page.get_data(as_text=True)
    made = client.submit("/o/klant-ons/provisioning/tokens", {"label": "Entra ID"})
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    plain = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert plain.startswith("ksscim_")
    row = db.session.scalar(sa.select(ScimToken).where(ScimToken.label == "Entra ID"))
    assert row.token_hash == services.hash_token(plain)
    assert plain not in client.get("/o/klant-ons/provisioning/").get_data(as_text=True)  # shown once
    assert client.submit(f"/o/klant-ons/provisioning/tokens/{row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ScimToken, row.id).revoked_at is not None
    # An employee may not; another organisation's token is not found.
    other = make_client()
    sign_in(other, world.ours.employee)
    assert other.get("/o/klant-ons/provisioning/").status_code == 403
    _t, _p = services.create_token(world.theirs.org, "Okta", by=world.theirs.director)
    db.session.commit()
    assert client.submit(f"/o/klant-ons/provisioning/tokens/{_t.id}/revoke").status_code == 404


def test_the_segment_sources_are_saved_from_the_page(make_client, world, db):
    org = world.ours.org
    region = Segment(organisation_id=org.id, name="Regio")
    db.session.add(region)
    db.session.commit()
    client = make_client()
    sign_in(client, world.ours.consultant)
    assert client.submit("/o/klant-ons/provisioning/segments", {f"segment_{region.id}": "costCenter"}).status_code == 302
    assert db.session.get(ScimSegmentSource, region.id).attribute == "costCenter"
    assert client.submit("/o/klant-ons/provisioning/segments", {f"segment_{region.id}": "password"}).status_code == 400


# --- a person's data: erasure, access, retention (docs/privacy.md) -------------------------------

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _record_ids(org=None) -> set[str]:
    query = sa.select(ScimResource.id).where(ScimResource.resource_type == "User")
    if org is not None:
        query = query.where(ScimResource.organisation_id == org.id)
    return set(_db.session.scalars(query))


def test_erasing_a_person_removes_their_directory_record_and_a_new_push_is_a_new_person(scim, world, db):
    from maturity.privacy.subject_data import erase_from_organisation, erase_person

    org, employee = world.ours.org, world.ours.employee
    user = scim("POST", "/Users", entra_user(employee.email)).json
    other = scim("POST", "/Users", entra_user("blijft@ons.example.nl")).json
    group = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Reparaties", "members": [
        {"value": user["id"], "display": "Fien de Vries"}, {"value": other["id"], "display": "Blijft"}]}).json
    # A person the directory deactivated, whose userName (Entra's UPN) is not their address.
    gone = scim("POST", "/Users", entra_user("fien.devries@ons.onmicrosoft.com", displayName="Fien Weg", emails=[
        {"primary": True, "type": "work", "value": "weg@ons.example.nl"}])).json
    scim("PATCH", f"/Users/{gone['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "active", "value": False}]})
    weg = db.session.scalar(sa.select(services.User).where(services.User.email == "weg@ons.example.nl"))
    assert db.session.get(ScimResource, gone["id"]).membership_id is None

    erase_from_organisation(db.session.get(services.User, employee.id), org.id, by=world.ours.director)
    erase_person(weg, by=world.admin)
    db.session.commit()
    db.session.expire_all()
    assert _record_ids(org) == {other["id"]}
    assert scim("GET", f"/Users/{user['id']}").status_code == 404
    # The group no longer lists them, not even by the name the directory sent with the member.
    members = scim("GET", f"/Groups/{group['id']}").json["members"]
    assert [m["value"] for m in members] == [other["id"]]
    # The directory pushes them again: a new person, with a new record.
    again = scim("POST", "/Users", entra_user(employee.email))
    assert again.status_code == 201 and again.json["id"] != user["id"]
    assert membership_of(org, employee.email) is not None


def test_erasing_a_person_in_one_organisation_keeps_their_record_in_another(scim, world, db):
    from maturity.privacy.subject_data import erase_from_organisation

    _t, theirs = services.create_token(world.theirs.org, "Okta", by=world.theirs.director)
    db.session.commit()
    ours = scim("POST", "/Users", entra_user("beide@example.nl")).json
    hun = scim("POST", "/Users", entra_user("beide@example.nl"), bearer=theirs, org_slug="klant-hun").json
    person = db.session.scalar(sa.select(services.User).where(services.User.email == "beide@example.nl"))
    assert not erase_from_organisation(person, world.ours.org.id, by=world.ours.director)  # ties elsewhere
    db.session.commit()
    assert _record_ids() >= {hun["id"]} and ours["id"] not in _record_ids()


def test_the_persons_data_download_holds_what_the_directory_sent_about_them(scim, world, db, make_client):
    employee = world.ours.employee
    user = scim("POST", "/Users", entra_user(employee.email, phoneNumbers=[{"type": "work", "value": "+31 20 123 4567"}])).json
    scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Reparaties", "members": [{"value": user["id"]}]})
    scim("POST", "/Users", entra_user("iemand.anders@ons.example.nl"))
    client = make_client()
    sign_in(client, employee.email)
    data = client.get("/account/my-data.json").get_json()
    [record] = data["directory_records"]
    assert record["organisation"] == world.ours.org.name and record["active"] is True
    assert record["groups"] == ["Reparaties"] and record["created"] and record["last_changed"]
    sent = record["as_the_directory_sent_it"]
    assert sent["userName"] == employee.email and sent["title"] == "Adviseur"
    assert sent[ENTERPRISE]["department"] == "Wonen" and sent["phoneNumbers"][0]["value"] == "+31 20 123 4567"
    assert "iemand.anders" not in json.dumps(data)


def test_the_purge_removes_a_deactivated_record_after_the_login_session_period(scim, world, db):
    from datetime import timedelta

    from maturity.models_base import utcnow
    from maturity.privacy.retention import prune

    world.ours.consultancy.retain_sessions_days = 14
    active = scim("POST", "/Users", entra_user("actief@ons.example.nl")).json
    no_address = scim("POST", "/Users", {"schemas": [USER], "userName": "zonder-adres"}).json
    left_long_ago, left_lately = (scim("POST", "/Users", entra_user(f"weg{i}@ons.example.nl")).json for i in (1, 2))
    for gone in (left_long_ago, left_lately):
        scim("PATCH", f"/Users/{gone['id']}", {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "active", "value": False}]})
    now = utcnow()
    for record_id, days in ((active["id"], 400), (no_address["id"], 400), (left_long_ago["id"], 15),
                            (left_lately["id"], 13)):
        db.session.get(ScimResource, record_id).updated_at = now - timedelta(days=days)
    db.session.commit()
    counts = prune()
    db.session.expire_all()
    assert _record_ids() == {active["id"], no_address["id"], left_lately["id"]}
    assert counts["directory_records"] == 1
    purge = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "retention_purge",
                                                          AuditEntry.consultancy_id == world.ours.consultancy.id))
    assert purge.detail["directory_records"] == 1
