"""Tenant isolation, driven by ``app.url_map``: every route is walked (GET and POST) as
every role and as members of other tenants. A route nobody classified fails the suite, so
a new route cannot escape these checks."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from maturity.api.keys import create_key as create_api_key
from maturity.extensions import db
from maturity.rounds.models import Round
from maturity.tenancy.models import ConsultantMembership, Department, Organisation, OrganisationMembership
from tests.conftest import sign_in
from maturity.plans import services as plans
from maturity.provisioning.services import create_token as create_scim_token
from maturity.results.services import round_results
from maturity.rounds.questionnaire import SECTIONS
from ..helpers import (OWN_CHILD, R, filled_round, full_answers, opened, own_url, route_kind, route_url, routes,
                       section_form, webhook_delivery_of, webhook_of)
from ..helpers import world_with_rounds  # noqa: F401  (replaces the world fixture)


#: Organisation routes an employee may use; every other organisation route is for
#: directors and consultants only.
EMPLOYEE_ALLOWED = {"organisations.index", "plans.page"}

#: For each URL variable of a tenant child route: the id of such an object in *their* tenant.
FOREIGN_CHILD = {
    "membership_id": lambda w: w.theirs.employee.membership.id,
    "round_id": lambda w: w.theirs.round.id,
    "item_id": lambda w: w.theirs.item.id,
    "consultant_id": lambda w: w.theirs.consultant.consultant_membership.id,
    "number": lambda w: 1,  # a report version: found only within the round of the URL
    "consultancy_id": lambda w: w.theirs.consultancy.id,  # the platform admin's pages only
    "segment_id": lambda w: w.theirs.segment.id,
    "value_id": lambda w: w.theirs.value.id,
    "token_id": lambda w: create_scim_token(w.theirs.org, "Okta", by=None)[0].id,
    "key_id": lambda w: create_api_key(w.theirs.org, "Power BI", [], 30, by=w.theirs.director)[0].id,
    "webhook_id": lambda w: webhook_of(w.theirs).id,
    "delivery_id": lambda w: webhook_delivery_of(w.theirs).id,
}
POST_DATA = {
    "name": "Indringer", "email": "indringer@example.nl", "role": "director", "department": "X",
    "sector": "X", "director_name": "X", "director_email": "x@example.nl", "consultant_name": "X",
    "consultant_email": "y@example.nl", "content": "bmFhbTtlLW1haWwKWDt4QGV4YW1wbGUubmwK",
}


def _methods(rule):
    return sorted(m for m in rule.methods if m in {"GET", "POST"})


def _snapshot():
    counts = {}
    from maturity.rounds.models import CustomerResponse, Invitation, Response, Round

    for model in (Organisation, OrganisationMembership, ConsultantMembership, Department, Round, Response,
                  CustomerResponse):
        counts[model.__name__] = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    counts["rounds"] = tuple(db.session.execute(
        sa.select(Round.id, Round.status, Round.min_group_size, Round.title).order_by(Round.id)).all())
    counts["invitations"] = tuple(db.session.execute(
        sa.select(Invitation.id, Invitation.sealed_draft, Invitation.has_opted_out_of_reminders).order_by(Invitation.id)
    ).all())
    from maturity.plans.models import ActionItem

    counts["plan"] = tuple(db.session.execute(
        sa.select(ActionItem.id, ActionItem.title, ActionItem.status, ActionItem.position, ActionItem.is_removed)
        .order_by(ActionItem.id)).all())
    counts["consultants"] = tuple(db.session.execute(
        sa.select(ConsultantMembership.id).order_by(ConsultantMembership.id)).all())
    from maturity.segments.models import MemberSegment, Segment, SegmentValue

    counts["segments"] = tuple(db.session.execute(
        sa.select(Segment.id, Segment.name, Segment.is_service).order_by(Segment.id)).all())
    counts["segment_values"] = tuple(db.session.execute(
        sa.select(SegmentValue.id, SegmentValue.segment_id, SegmentValue.name).order_by(SegmentValue.id)).all())
    counts["member_segments"] = tuple(db.session.execute(
        sa.select(MemberSegment.membership_id, MemberSegment.segment_id, MemberSegment.value_id)
        .order_by(MemberSegment.membership_id, MemberSegment.segment_id)).all())
    counts["roles"] = tuple(db.session.execute(
        sa.select(OrganisationMembership.id, OrganisationMembership.role, OrganisationMembership.department_id)
        .order_by(OrganisationMembership.id)
    ).all())
    return counts


#: For each URL variable of an API route: the id of such an object in *their* tenant, and in ours.
API_FOREIGN = {"org_id": lambda w: w.theirs.org.id, "round_id": lambda w: w.theirs.round.id,
               "action_id": lambda w: w.theirs.item.id, "person_id": lambda w: w.theirs.employee.membership.id}
API_OWN = {"org_id": lambda w: w.ours.org.id, "round_id": lambda w: w.ours.round.id,
           "action_id": lambda w: w.ours.item.id, "person_id": lambda w: w.ours.employee.membership.id}
#: A body each writing API route accepts, so that a 404 is the tenant check's, not validation's.
API_BODIES = {"api_rounds.create_round": {"title": "Indringer", "opens_on": "2027-01-04", "closes_on": "2027-01-20"},
              "api_people.create_person": {"name": "Indringer", "email": "indringer@example.nl"},
              "api_people.update_person": {"name": "Indringer"},
              "api_plans.update_action": {"status": "done"}}
API_METHODS = {"GET", "POST", "PATCH", "DELETE"}


def _api_url(rule, world, children) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(children[name](world)))
    return path


def _api_keys(world) -> dict[str, str]:
    every = ["results:read", "people:manage", "rounds:manage", "actions:manage"]
    return {"consultancy": create_api_key(world.ours.consultancy, "alles", every, 30, by=world.ours.consultant)[1],
            "organisation": create_api_key(world.ours.org, "alles", every, 30, by=world.ours.director)[1]}


@pytest.mark.parametrize("owner", ["consultancy", "organisation"])
def test_api_keys_never_reach_another_tenant(app, world, make_client, owner):
    """Every API route and method, with a key of ours holding every scope, and their ids (another
    consultancy's; for an organisation's key also a sibling client's): 404, nothing changes."""
    client = make_client()
    key = _api_keys(world)[owner]
    db.session.commit()  # in the tests: a savepoint released, so each refused call's rollback keeps the key
    foreign = [API_FOREIGN]
    if owner == "organisation":
        sibling_round = next(iter(db.session.scalars(sa.select(Round).where(Round.organisation_id == world.sibling_org.id))), None)
        foreign.append({**API_OWN, "org_id": lambda w: w.sibling_org.id,
                        **({"round_id": lambda w: sibling_round.id} if sibling_round else {})})
    before = _snapshot()
    checked = 0
    for rule in routes(app):
        if route_kind(rule) != "api" or not rule.arguments:
            continue
        for children in foreign:
            if owner == "organisation" and children is not API_FOREIGN and "org_id" not in rule.arguments:
                continue  # the sibling's rounds, actions and people: its org_id routes cover it
            url = _api_url(rule, world, children)
            for method in sorted(rule.methods & API_METHODS):
                response = client.open(url, method=method, json=API_BODIES.get(rule.endpoint),
                                       headers={"Authorization": f"Bearer {key}"})
                assert response.status_code == 404, f"{owner} key {method} {url} -> {response.status_code}"
                assert response.mimetype == "application/problem+json"
                checked += 1
    assert checked >= 16  # every API route with an id, each method (more for an organisation key)
    assert _snapshot() == before


def test_api_keys_reach_their_own_tenant(app, world, make_client):
    """The same walk with our ids: no route answers 404 (the walk above proves something)."""
    client = make_client()
    key = _api_keys(world)["consultancy"]
    db.session.commit()
    for rule in routes(app):
        if route_kind(rule) != "api" or not rule.arguments or rule.endpoint == "api_people.person_left":
            continue
        url = _api_url(rule, world, API_OWN)
        for method in sorted(rule.methods & API_METHODS):
            response = client.open(url, method=method, json=API_BODIES.get(rule.endpoint),
                                   headers={"Authorization": f"Bearer {key}"})
            assert response.status_code != 404 or rule.endpoint == "api_plans.get_plan", \
                f"{method} {url} -> {response.status_code} {response.json}"


def test_every_route_is_classified(app):
    unclassified = [r.endpoint for r in routes(app) if route_kind(r) == "unclassified"]
    assert not unclassified, f"classify these routes in tests/helpers.py (route_kind, PUBLIC, OWN_ACCOUNT): {unclassified}"


def test_tenant_blueprints_use_the_one_access_helper(app):
    from maturity.tenancy.access import _load_consultancy, _load_org

    for rule in routes(app):
        kind = route_kind(rule)
        if kind in {"org", "consultancy"}:
            blueprint = rule.endpoint.rsplit(".", 1)[0]
            loaders = app.before_request_funcs.get(blueprint, [])
            expected = _load_org if kind == "org" else _load_consultancy
            assert expected in loaders, f"{rule.endpoint} is under a tenant prefix without the tenant loader"


@pytest.mark.parametrize("actor", ["consultant", "director", "employee"])
def test_members_of_another_consultancy_get_404_everywhere(app, world, make_client, actor):
    client = make_client()
    sign_in(client, getattr(world.ours, actor).email)
    token = client.csrf_token()
    before = _snapshot()
    for rule in routes(app):
        if route_kind(rule) not in {"org", "consultancy"}:
            continue
        url = route_url(rule, world, tenant=world.theirs, children=FOREIGN_CHILD)
        for method in _methods(rule):
            data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, f"{actor} {method} {url} -> {response.status_code}"
    assert _snapshot() == before


def test_director_cannot_reach_a_sibling_client_of_the_same_consultancy(app, world, make_client):
    client = make_client()
    sign_in(client, world.ours.director.email)
    token = client.csrf_token()
    sibling = copy.copy(world.ours)
    sibling.org = world.sibling_org
    for rule in routes(app):
        if route_kind(rule) == "org":
            url = route_url(rule, world, tenant=sibling, children=OWN_CHILD)
            for method in _methods(rule):
                data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
                assert client.open(url, method=method, data=data).status_code == 404, f"{method} {url}"
    # Nor the consultancy's own pages.
    for rule in routes(app):
        if route_kind(rule) == "consultancy":
            url = route_url(rule, world, tenant=world.ours, children=OWN_CHILD)
            assert client.get(url).status_code in {404, 405}, url


@pytest.mark.parametrize("actor", ["director", "consultant"])
def test_own_tenant_routes_reject_foreign_child_ids(app, world, make_client, actor):
    """Our tenant in the URL, their object's id: the scoped helper must answer 404."""
    client = make_client()
    sign_in(client, getattr(world.ours, actor).email)
    token = client.csrf_token()
    before = _snapshot()
    checked = 0
    for rule in routes(app):
        kind = route_kind(rule)
        children = [a for a in rule.arguments if a not in {"org", "consultancy"}]
        if kind not in {"org", "consultancy"} or not children:
            continue
        url = route_url(rule, world, tenant=world.ours, children=FOREIGN_CHILD)
        for method in _methods(rule):
            data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
            assert client.open(url, method=method, data=data).status_code == 404, f"{method} {url}"
            checked += 1
    assert checked > 0
    assert _snapshot() == before


def test_employee_gets_403_on_manager_routes(app, world, make_client):
    client = make_client()
    sign_in(client, world.ours.employee.email)
    token = client.csrf_token()
    before = _snapshot()
    for rule in routes(app):
        if route_kind(rule) != "org":
            continue
        url = route_url(rule, world, tenant=world.ours, children=OWN_CHILD)
        for method in _methods(rule):
            data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
            status = client.open(url, method=method, data=data).status_code
            if rule.endpoint in EMPLOYEE_ALLOWED:
                assert status in {200, 302}, f"{method} {url} -> {status}"
            else:
                assert status == 403, f"employee {method} {url} -> {status}"
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ["director", "employee", "consultant"])
def test_admin_routes_are_404_for_everyone_but_admins(app, world, make_client, actor):
    client = make_client()
    sign_in(client, getattr(world.ours, actor).email)
    token = client.csrf_token()
    for rule in routes(app):
        if route_kind(rule) == "admin":
            url = route_url(rule, world, tenant=world.ours, children=OWN_CHILD)
            for method in _methods(rule):
                data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
                assert client.open(url, method=method, data=data).status_code == 404, f"{method} {url}"


def test_anonymous_visitors_are_sent_to_login_or_get_404(app, world, make_client):
    client = make_client()
    token = client.csrf_token()
    for rule in routes(app):
        kind = route_kind(rule)
        if kind in {"public", "respondent", "respondent_session", "customer"}:
            continue
        url = route_url(rule, world, tenant=world.ours, children=OWN_CHILD)
        for method in _methods(rule):
            data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if kind == "admin":
                assert response.status_code == 404, f"{method} {url}"
            elif kind == "api":  # a key, never a login: a problem document, no redirect
                assert response.status_code == 401 and response.mimetype == "application/problem+json", f"{method} {url}"
            else:
                assert response.status_code == 302, f"{method} {url} -> {response.status_code}"
                assert response.location.startswith("/login"), response.location


def test_every_post_route_refuses_a_missing_csrf_token(app, world, make_client):
    client = make_client()
    sign_in(client, world.ours.director.email)
    client.get(f"/r/{world.ours.respondent_token}/")  # so the questionnaire's own routes are reachable
    before = _snapshot()
    for rule in routes(app):
        if "POST" not in rule.methods:
            continue
        if rule.endpoint == "scim.endpoint":  # a bearer token, no cookies: exempt on purpose (test_scim: 401 without)
            continue
        if route_kind(rule) == "api":  # the same: a key, never the session (test_a_session_cookie_is_not_a_key)
            continue
        url = own_url(rule, world)
        response = client.post(url, data=POST_DATA)
        assert response.status_code == 400, f"POST {url} without CSRF -> {response.status_code}"
    assert _snapshot() == before


def _every_row() -> dict[str, list[tuple]]:
    """Every row of every table, as values: what a request may have changed."""
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
    return rows


def _changed_besides_the_audit_trail(before: dict, after: dict) -> dict:
    """What changed between two ``_every_row`` snapshots, but new audit entries (who saw or
    downloaded what: the one thing a GET may write)."""
    changed = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if name == "audit_entry":
            new = new[:len(old)]  # appended after the ones before, which stay as they were
        if old != new:
            changed[name] = {"gone": [r for r in old if r not in new][:3], "new": [r for r in new if r not in old][:3]}
    return changed


@pytest.fixture
def published_round(app, world):
    """Beside the world's open rounds: a published round in ours with a published plan (its
    report issued as version 1), so that every results surface has something to show."""
    round_ = filled_round(app, world, {"Wonen": 6})
    with app.test_request_context():
        plans.generate_plan(round_, round_results(round_))
        plan = plans.plan_for(round_)
        plans.set_published(plan, True)
        db.session.flush()
        plans.plan_published.send(round_)
    db.session.flush()
    return round_


@pytest.mark.parametrize("actor", ["director", "consultant", "employee", "anonymous"])
def test_no_route_changes_state_on_get(app, world, published_round, make_client, actor):
    """A GET changes nothing but the audit trail: every table, every row, compared, after every
    GET route was visited with our own ids, for the open and for the published round. The
    employee has answered (their session holds their personal result); a rendering that is not
    ready yet is asked of the worker by a POST, never by a GET. (The sign-in session's last-seen
    time, the one other thing a GET may write, is written at most every 5 minutes: never here.)"""
    client = make_client()
    if actor != "anonymous":
        sign_in(client, getattr(world.ours, actor).email)
    if actor == "employee":
        opened(client, f"/r/{world.ours.respondent_token}/")
        token = client.csrf_token()
        for section in SECTIONS:
            client.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
        assert client.post(f"{R}submit", data={"csrf_token": token}).location.endswith("/result")
    db.session.expire_all()
    before = _every_row()
    visited = 0
    for rule in routes(app):
        if "GET" not in rule.methods or rule.endpoint == "accounts.logout":
            continue
        urls = [own_url(rule, world)]
        if "round_id" in rule.arguments:
            urls.append(route_url(rule, world, tenant=world.ours,
                                  children={**OWN_CHILD, "round_id": lambda w: published_round.id}))
        for url in urls:
            status = client.get(url).status_code
            assert status < 500, f"{actor} GET {url} -> {status}"
            visited += 1
    db.session.expire_all()
    assert visited > 80
    assert _changed_besides_the_audit_trail(before, _every_row()) == {}


def test_respondent_routes_refuse_every_token_but_a_valid_one(app, world, make_client):
    """A tampered token, another round's customer token, or their signature on our id: 404."""
    client = make_client()
    token = client.csrf_token()
    ours, theirs = world.ours.respondent_token, world.theirs.respondent_token
    bad_tokens = [
        ours[:-1] + ("A" if ours[-1] != "A" else "B"),
        ours.split(".")[0] + "." + theirs.split(".")[1],
        world.ours.round.customer_token,
        "1", "../admin",
    ]
    before = _snapshot()
    for rule in routes(app):
        if route_kind(rule) != "respondent":
            continue
        for bad in bad_tokens:
            url = route_url(rule, world, tenant=world.ours, children={**OWN_CHILD, "token": lambda w, b=bad: b})
            for method in _methods(rule):
                data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
                assert client.open(url, method=method, data=data).status_code == 404, f"{method} {url}"
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["anonymous", "director", "other_respondent"])
def test_the_questionnaire_needs_a_session_that_opened_a_link(app, world, make_client, who):
    """Without a personal link opened in this browser, /respond/… shows nothing of anyone's."""
    client = make_client()
    if who == "director":
        sign_in(client, world.ours.director.email)
    token = client.csrf_token()
    if who == "other_respondent":
        # Their link was opened here, then revoked (a new nonce): the session holds nothing valid.
        client.get(f"/r/{world.theirs.respondent_token}/")
        from maturity.rounds.models import Invitation

        invitation = db.session.scalars(sa.select(Invitation).where(
            Invitation.round_id == world.theirs.round.id, Invitation.user_id == world.theirs.employee.id)).one()
        invitation.nonce = "revoked0revoked0"
        db.session.flush()
    before = _snapshot()
    for rule in routes(app):
        if route_kind(rule) != "respondent_session":
            continue
        url = route_url(rule, world, tenant=world.ours, children=OWN_CHILD)
        for method in _methods(rule):
            data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, f"{who} {method} {url} -> {response.status_code}"
            assert "persoonlijke link" in response.get_data(as_text=True)
    assert _snapshot() == before


def test_customer_routes_need_the_rounds_customer_token(app, world, make_client):
    client = make_client()
    token = client.csrf_token()
    for rule in routes(app):
        if route_kind(rule) != "customer":
            continue
        for bad in ("nope", world.ours.respondent_token, world.ours.round.customer_token[:-2]):
            url = rule.rule.replace("<token>", bad)
            for method in _methods(rule):
                data = dict(POST_DATA, csrf_token=token) if method == "POST" else None
                assert client.open(url, method=method, data=data).status_code == 404, f"{method} {url}"


GARBAGE = {
    "name": "x" * 5000, "email": "@@", "role": "king", "department": "\x00\u202e" * 50, "title": "",
    "opens_on": "2027-02-30", "closes_on": "yesterday", "min_group_size": "-1", "min_comment_group_size": "1e9",
    "departments": "abc", "description": "y" * 10000, "owner": "z" * 500, "due_on": "31/31/31", "status": "maybe",
    "direction": "sideways", "locale": "xx", "next": "//evil.example", "content": "%%%not-base64%%%",
    "primary_color": "javascript:alert(1)", "quiz.q1": "z", "leadership.l1": "99", "comment": "c" * 9000,
    "password": "", "confirm": "x", "current_password": "", "website": "",
    "commentary": "toelichting\x00" + "x" * 50, "emails": "klant@example.nl\x00\nnog@example.nl",
}


def test_no_post_route_answers_500_to_garbage(app, world, make_client):
    """Bad input gets a message or a refusal, never a server error."""
    for actor in (world.ours.director, world.ours.consultant, world.admin):
        client = make_client()
        sign_in(client, actor.email)
        token = client.csrf_token()
        for rule in routes(app):
            if "POST" not in rule.methods or rule.endpoint in {"accounts.logout"}:
                continue
            response = client.post(own_url(rule, world), data=dict(GARBAGE, csrf_token=token))
            assert response.status_code < 500, f"{actor.email} POST {rule.rule} -> {response.status_code}"
