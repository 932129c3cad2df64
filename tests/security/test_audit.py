"""The audit trail: each event exactly once, never an answer or a token, append-only, and each
viewer sees their own tenant's trail only."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from maturity.audit.models import AuditEntry
from maturity.extensions import db
from maturity.tenancy.models import OrganisationMembership, OrgRole

from tests.conftest import sign_in
from ..helpers import download, filled_round
from ..helpers import open_round  # noqa: F401  (a fixture)


def _actions(**where) -> list[str]:
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def test_each_event_is_recorded_exactly_once_with_actor_and_tenant(app, client, auth, world):
    round_ = filled_round(app, world, {"Wonen": 6})
    db.session.execute(sa.delete(AuditEntry))  # what the set-up did is not this test's
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    for suffix in ("results", "results.csv", "results.xlsx", "report.pdf"):
        url = f"{base}/{suffix}"
        response = download(client, url) if suffix == "report.pdf" else client.get(url)
        assert response.status_code == 200
    assert _actions(organisation_id=world.ours.org.id) == ["results_viewed", "export_csv", "export_xlsx",
                                                           "report_downloaded"]
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.organisation_id == world.ours.org.id)).all()
    assert {(e.actor_id, e.consultancy_id, e.object_type, e.object_id) for e in entries} == {
        (world.ours.director.id, world.ours.consultancy.id, "Round", round_.id)}
    assert _actions(action="login") == ["login"]


def test_rounds_and_people_are_audited_with_the_minimum_group_size(app, world):
    from datetime import date, timedelta

    from maturity.results import publication
    from maturity.rounds import services as rounds
    from maturity.organisations import services as tenancy

    with app.test_request_context():
        round_ = rounds.create_round(world.ours.org, rounds.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=9), min_group_size=7))
        rounds.open_round(round_)
        tenancy.import_members(world.ours.org, [tenancy.NewMember("Nieuw", "nieuw@example.nl")], inviter=world.ours.director)
        publication.close(round_)
        db.session.flush()
    assert _actions(organisation_id=world.ours.org.id) == ["round_created", "round_opened", "member_added", "round_closed"]
    opened = db.session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "round_opened"))
    assert opened["min_group_size"] == 7


def test_a_failed_login_names_the_account_tried_and_nothing_typed(client, world):
    client.submit("/login", {"email": world.ours.director.email, "password": "wrong horse battery"})
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
    assert entry.actor_id is None and entry.object_type == "User" and entry.object_id == world.ours.director.id
    assert "wrong horse" not in json.dumps(entry.detail or {})


def test_no_entry_holds_an_answer_or_a_token(app, client, auth, world):
    from maturity.rounds import links
    from maturity.rounds.models import Invitation

    round_ = filled_round(app, world, {"Wonen": 6}, customers=6, comments=["Op vrijdag niemand bereikbaar"] * 6)
    auth.login(world.ours.director)
    client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}/results")
    with app.test_request_context():
        tokens = [links.invitation_token(i.id, i.nonce) for i in db.session.scalars(sa.select(Invitation))]
    dump = json.dumps([[e.action, e.actor_email, e.object_type, e.object_id, e.detail]
                       for e in db.session.scalars(sa.select(AuditEntry))])
    assert not any(token in dump for token in tokens)
    assert "vrijdag" not in dump and "quiz." not in dump and "mirror." not in dump


def test_entries_cannot_be_changed_or_removed(app, world):
    from maturity.audit import services as audit

    for change in ("update", "delete"):
        savepoint = db.session.begin_nested()
        with app.test_request_context():
            entry = audit.record("logout", actor=world.ours.director)
        db.session.flush()
        if change == "update":
            entry.action = "login"
        else:
            db.session.delete(entry)
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        savepoint.rollback()


def test_each_viewer_sees_their_own_trail_and_can_export_it(app, client, auth, world, make_client):
    round_ = filled_round(app, world, {"Wonen": 6})
    auth.login(world.ours.director)
    client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}/results")
    page = client.get(f"/o/{world.ours.org.slug}/audit/").get_data(as_text=True)
    assert "Resultaten bekeken" in page and world.ours.director.email in page
    assert client.get(f"/o/{world.theirs.org.slug}/audit/").status_code == 404
    exported = client.get(f"/o/{world.ours.org.slug}/audit/export.csv?action=results_viewed").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][2] == "action" and [r[2] for r in rows[1:]] == ["results_viewed"]
    employee = make_client()
    sign_in(employee, world.ours.employee.email)
    assert employee.get(f"/o/{world.ours.org.slug}/audit/").status_code == 403
    consultant = make_client()
    sign_in(consultant, world.ours.consultant.email)
    assert "Resultaten bekeken" in consultant.get(f"/c/{world.ours.consultancy.slug}/audit/").get_data(as_text=True)
    assert consultant.get(f"/c/{world.theirs.consultancy.slug}/audit/").status_code == 404


def test_a_person_downloads_what_the_platform_holds_about_them(app, client, auth, world):
    from maturity.rounds.models import Invitation

    round_ = filled_round(app, world, {"Wonen": 6})
    employee = db.session.scalar(sa.select(Invitation.user_id).where(Invitation.round_id == round_.id,
                                                                     Invitation.submitted_at.is_not(None)).limit(1))
    from maturity.accounts.models import User

    person = db.session.get(User, employee)
    auth.login(person.email)
    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["account"]["email"] == person.email
    assert [i["round"] for i in data["invitations"]] == [round_.title] and data["invitations"][0]["submitted"]
    assert [o["organisation"] for o in data["organisations"]] == [world.ours.org.name]
    assert [e["action"] for e in data["audit_entries"]] == ["login", "data_exported"]
    assert "zonder enige koppeling aan u" in data["answers"]  # in the reader's language
    assert len(data["login_sessions"]) == 1 and data["account"]["two_step_sign_in"] is None
    assert "name_given_by_the_organisation" in data["organisations"][0]
    assert [m["kind"] for m in data["messages"]] == ["round-invitation"]
    dump = json.dumps(data)
    assert world.ours.director.email not in dump and world.theirs.org.name not in dump


def test_erasing_a_person_leaves_the_results_and_nothing_that_names_them(app, client, auth, world):
    from maturity.accounts.models import User
    from maturity.mail.models import OutboxMessage
    from maturity.results.services import round_results
    from maturity.rounds.models import Invitation
    from maturity.rounds.services import response_rates

    round_ = filled_round(app, world, {"Wonen": 6})
    with app.test_request_context():
        before = round_results(round_)
    person = db.session.get(User, db.session.scalar(sa.select(Invitation.user_id).where(
        Invitation.round_id == round_.id, Invitation.submitted_at.is_not(None)).limit(1)))
    email, person_id = person.email, person.id
    db.session.add(OutboxMessage(recipient=email, subject="Uitnodiging", body_text="Beste", status="outbox"))
    auth.login(email)
    auth.logout()
    rates_before = [(r.invited, r.submitted) for r in response_rates(round_)]
    auth.login(world.admin)
    assert email in client.get(f"/admin/users/{person_id}/erase").get_data(as_text=True)
    assert client.submit(f"/admin/users/{person_id}/erase").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person_id) is None
    with app.test_request_context():
        after = round_results(round_)
    assert (after.n_responses, after.profile, after.likert) == (before.n_responses, before.profile, before.likert)
    assert [(r.invited, r.submitted) for r in response_rates(round_)] == rates_before
    # Nothing that names the person is left anywhere.
    names = [db.session.scalar(sa.select(sa.func.count()).where(column == email)) for column in (
        User.email, OutboxMessage.recipient, AuditEntry.actor_email)]
    assert names == [0, 0, 0]
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.actor_id == person_id)) == 0
    assert _actions(action="person_erased") == ["person_erased"]


def test_a_director_erases_a_person_who_belongs_only_to_their_organisation(app, client, auth, world):
    from maturity.accounts.models import User
    from maturity.results.services import round_results
    from maturity.rounds.models import Invitation

    round_ = filled_round(app, world, {"Wonen": 6})
    before = round_results(round_)
    person = db.session.get(User, db.session.scalar(sa.select(Invitation.user_id).where(
        Invitation.round_id == round_.id, Invitation.submitted_at.is_not(None)).limit(1)))
    email, person_id = person.email, person.id
    membership = db.session.scalar(sa.select(OrganisationMembership).where(OrganisationMembership.user_id == person_id))
    auth.login(email)
    auth.logout()
    auth.login(world.ours.director)
    page = client.get(f"/o/{world.ours.org.slug}/people/{membership.id}/erase").get_data(as_text=True)
    assert "u wordt niet verteld" in page
    assert client.submit(f"/o/{world.ours.org.slug}/people/{membership.id}/erase").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person_id) is None
    assert round_results(round_).profile == before.profile
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.actor_email == email)) == 0
    org_entry, account_entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "person_erased").order_by(AuditEntry.id)).all()
    assert org_entry.actor_id == world.ours.director.id and org_entry.organisation_id == world.ours.org.id
    assert org_entry.detail is None  # the organisation's trail does not say whether the account went
    assert account_entry.organisation_id is None and account_entry.consultancy_id is None  # admins only
    assert account_entry.detail == {"scope": "account"}


def test_a_person_with_access_elsewhere_keeps_the_account_but_nothing_in_this_organisation(app, client, auth, world):
    from maturity.accounts.models import User
    from maturity.rounds.models import Invitation

    # Our employee is also an employee of the other consultancy's client.
    person = world.ours.employee
    db.session.add(OrganisationMembership(organisation_id=world.theirs.org.id, user_id=person.id, role=OrgRole.EMPLOYEE))
    round_ = filled_round(app, world, {"Wonen": 5})
    assert db.session.scalar(sa.select(sa.func.count()).where(  # invited by the round
        Invitation.round_id == round_.id, Invitation.user_id == person.id)) == 1
    from maturity.audit import services as audit

    audit.record("results_viewed", actor=person, organisation_id=world.ours.org.id)
    audit.record("results_viewed", actor=person, organisation_id=world.theirs.org.id)
    db.session.flush()
    auth.login(person)
    auth.logout()
    auth.login(world.ours.director)
    membership = person.membership
    page = client.get(f"/o/{world.ours.org.slug}/people/{membership.id}/erase").get_data(as_text=True)
    assert "u wordt niet verteld" in page and world.theirs.org.name not in page  # not whether, nor where
    client.submit(f"/o/{world.ours.org.slug}/people/{membership.id}/erase")
    db.session.expire_all()
    assert db.session.get(User, person.id) is not None  # their other organisation still needs it
    memberships = set(db.session.scalars(sa.select(OrganisationMembership.organisation_id)
                                         .where(OrganisationMembership.user_id == person.id)))
    assert memberships == {world.theirs.org.id}
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Invitation.organisation_id == world.ours.org.id, Invitation.user_id == person.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEntry.organisation_id == world.ours.org.id, AuditEntry.actor_id == person.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(  # the other tenant's trail is theirs
        AuditEntry.organisation_id == world.theirs.org.id, AuditEntry.actor_id == person.id)) == 1
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person_erased")).one()
    assert entry.detail is None and entry.organisation_id == world.ours.org.id
    # They can still sign in, and see only the other organisation.
    auth.logout()
    auth.login(person)
    assert client.get(f"/o/{world.ours.org.slug}/").status_code == 404
    assert client.get(f"/o/{world.theirs.org.slug}/").status_code == 200


def test_a_director_cannot_delete_an_account_with_a_past_at_another_client(app, client, auth, world):
    """Removed from another client but invited there before: that client's response rates and
    trail refer to the person, so adding them here and erasing them deletes only what is here."""
    from maturity.accounts.models import User
    from maturity.rounds.models import Invitation
    from maturity.organisations.services import remove_member

    theirs = world.theirs
    person = theirs.employee
    db.session.add(Invitation(round_id=_their_round(app, world).id, organisation_id=theirs.org.id, user_id=person.id))
    remove_member(db.session.scalars(sa.select(OrganisationMembership).where(
        OrganisationMembership.user_id == person.id)).one())
    membership = OrganisationMembership(organisation_id=world.ours.org.id, user_id=person.id, role=OrgRole.EMPLOYEE)
    db.session.add(membership)
    db.session.flush()
    auth.login(world.ours.director)
    client.submit(f"/o/{world.ours.org.slug}/people/{membership.id}/erase")
    db.session.expire_all()
    assert db.session.get(User, person.id) is not None
    assert db.session.scalar(sa.select(Invitation.user_id).where(Invitation.organisation_id == theirs.org.id)) == person.id


def _their_round(app, world):
    from datetime import date, timedelta

    from maturity.rounds import services

    round_ = services.create_round(world.theirs.org, services.RoundSettings(
        title="Hun meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(round_)
    return round_


def test_an_admin_erasure_is_in_each_organisation_s_trail_and_warns_about_an_only_director(client, auth, world):
    director = world.theirs.director
    auth.login(world.admin)
    page = client.get(f"/admin/users/{director.id}/erase").get_data(as_text=True)
    assert "enige directeur van: " + world.theirs.org.name in page
    client.submit(f"/admin/users/{director.id}/erase")
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person_erased")).all()
    assert [(e.organisation_id, e.actor_id) for e in entries] == [(world.theirs.org.id, world.admin.id)]


def test_the_trail_says_its_details_in_the_reader_s_language(app, client, auth, world):
    from datetime import date, timedelta

    from maturity.rounds import services

    services.create_round(world.ours.org, services.RoundSettings(
        title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=9), min_group_size=7))
    db.session.flush()
    auth.login(world.ours.director)
    page = client.get(f"/o/{world.ours.org.slug}/audit/").get_data(as_text=True)
    assert "minimale groep: 7" in page and "Ronde" in page and "min_group_size" not in page
    assert "min_group_size" in client.get(f"/o/{world.ours.org.slug}/audit/export.csv").get_data(as_text=True)


def test_an_erased_person_s_open_questionnaire_stops_and_writes_nothing_back(client, make_client, auth, world,
                                                                            open_round):
    """The erasure empties the person's drafts; a questionnaire still open in their browser
    must not write a new one into the invitation (their links are revoked with it)."""
    from maturity.rounds import inviting, links
    from maturity.rounds.models import Invitation

    from ..helpers import R, full_answers, opened, section_form

    round_ = open_round
    inviting.invite_employees(round_)
    person = world.ours.employee
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.round_id == round_.id,
                                                               Invitation.user_id == person.id))
    respondent = opened(make_client(), f"/r/{links.invitation_token(invitation.id, invitation.nonce)}/")
    token = respondent.csrf_token()
    answers = {**section_form("quiz", full_answers()), "csrf_token": token}
    assert respondent.post(f"{R}section/quiz", data=answers).status_code == 200
    auth.login(world.ours.director)
    assert client.submit(f"/o/{world.ours.org.slug}/people/{person.membership.id}/erase").status_code == 302
    assert respondent.post(f"{R}section/quiz", data=answers).status_code == 403
    assert respondent.post(f"{R}save", data=answers).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(Invitation.sealed_draft).where(Invitation.id == invitation.id)) is None


def test_erasure_empties_action_owners_written_as_the_person(app, client, auth, world):
    """A plan's owner field is free text; where it holds the person's name, address or the name
    the organisation gave them, the erasure empties it. Anything else stays (the page says so)."""
    from maturity.plans import services as plans
    from maturity.plans.models import ActionItem, ActionPlan

    round_ = filled_round(app, world, {"Wonen": 5})
    person = world.ours.employee
    person.membership.name = "Jantje"
    name, email, membership_id = person.name, person.email, person.membership.id
    plan = ActionPlan(round_id=round_.id, organisation_id=world.ours.org.id)
    db.session.add(plan)
    db.session.flush()
    for owner in (name, f"  {email.upper()} ", "jantje", "HR-team", f"{name} en HR"):
        plans.add_item(plan, title="Actie", description="", owner=owner, due_on=None)
    auth.login(world.ours.director)
    page = client.get(f"/o/{world.ours.org.slug}/people/{membership_id}/erase").get_data(as_text=True)
    assert "controleer de plannen zelf" in page
    assert client.submit(f"/o/{world.ours.org.slug}/people/{membership_id}/erase").status_code == 302
    db.session.expire_all()
    owners = sorted(o or "" for o in db.session.scalars(sa.select(ActionItem.owner).where(ActionItem.plan_id == plan.id)))
    assert owners == ["", "", "", "HR-team", f"{name} en HR"]
