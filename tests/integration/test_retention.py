"""Retention: each consultancy's periods, enforced by the nightly purge, which keeps every
round's results, report and progress working from its aggregates."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from maturity.accounts.models import UserSession
from maturity.audit.models import AuditEntry
from maturity.extensions import db
from maturity.mail.models import OutboxMessage
from maturity.models_base import utcnow
from maturity.results.services import round_results
from maturity.tenancy.retention import months_before
from maturity.rounds.models import CustomerResponse, Invitation, Response, ResponseAnswer, Round
from maturity.privacy.retention import prune

from ..conftest import sign_in
from ..helpers import RETENTION, download, filled_round


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _age(round_: Round, days: int) -> None:
    round_.closed_at = utcnow() - timedelta(days=days)
    db.session.flush()


def test_the_purge_removes_raw_answers_and_keeps_the_results_report_and_progress(app, client, auth, world):
    round_ = filled_round(app, world, {"Wonen": 6, "Verhuur": 6}, customers=12, comments=["Snel geholpen"] * 12)
    before = round_results(round_)
    assert before.comments and _count(Response, Response.round_id == round_.id) == 12
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    csv_before = client.get(f"{base}/results.csv").data
    _age(round_, 23 * 31)
    prune()
    assert _count(Response, Response.round_id == round_.id) == 12  # not yet: 24 months by default
    _age(round_, 25 * 31)
    version = round_.results_version
    prune()
    db.session.expire_all()
    assert _count(Response, Response.round_id == round_.id) == 0
    assert _count(ResponseAnswer) == 0 and _count(CustomerResponse, CustomerResponse.round_id == round_.id) == 0
    round_ = db.session.get(Round, round_.id)
    assert round_.answers_purged_at is not None and round_.results_version == version + 1
    after = round_results(round_)
    assert (after.n_responses, after.profile, after.likert, after.mirror, after.departments, after.reliability) == (
        before.n_responses, before.profile, before.likert, before.mirror, before.departments, before.reliability)
    assert after.comments is None and after.comments_removed
    assert client.get(f"{base}/results.csv").data == csv_before  # the same figures
    page = client.get(f"{base}/results").get_data(as_text=True)
    assert "verwijderd" in page and "Snel geholpen" not in page
    report = download(client, f"{base}/report.pdf")
    assert report.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report.data)).pages)
    assert "Snel geholpen" not in text and "bewaartermijn" in text
    assert client.get(f"/o/{world.ours.org.slug}/progress/").status_code == 200
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "retention_purge")
                                 .order_by(AuditEntry.id)).all()
    # The first purge took the personal results (90 days), the second the answers (24 months).
    assert [(e.detail["personal_results"], e.detail["rounds"], e.detail["responses"]) for e in entries] == [
        (12, 0, 0), (0, 1, 12)]
    # Nothing left to rebuild from: the tally stays as it is, and a second purge does nothing.
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rebuild-tallies"]).exit_code == 0
    assert round_results(round_) == after
    prune()
    assert _count(AuditEntry, AuditEntry.action == "retention_purge") == 2


def test_personal_results_mail_sessions_and_the_trail_follow_their_own_periods(app, make_client, world):
    consultancy = world.ours.consultancy
    consultancy.retain_sessions_days = 7
    round_ = filled_round(app, world, {"Wonen": 6})
    assert _count(Invitation, Invitation.round_id == round_.id, Invitation.sealed_result.is_not(None)) == 6
    now = utcnow()
    old_mail = OutboxMessage(recipient="oud@example.nl", subject="Oud", body_text="Beste", status="sent",
                             organisation_id=world.ours.org.id, created_at=now - timedelta(days=31))
    waiting = OutboxMessage(recipient="wacht@example.nl", subject="Wacht", body_text="Beste", status="pending",
                            organisation_id=world.ours.org.id, created_at=now - timedelta(days=31))
    theirs = OutboxMessage(recipient="hun@example.nl", subject="Hun", body_text="Beste", status="sent",
                           organisation_id=world.theirs.org.id, created_at=now - timedelta(days=20))
    db.session.add_all([old_mail, waiting, theirs])
    sign_in(make_client(), world.ours.director)
    sign_in(make_client(), world.theirs.director)
    db.session.execute(sa.update(UserSession).values(created_at=now - timedelta(days=8)))
    db.session.add_all([AuditEntry(action="login", consultancy_id=consultancy.id, at=months_before(now, 25)),
                        AuditEntry(action="login", consultancy_id=consultancy.id, at=months_before(now, 23)),
                        # A sign-in belongs to the person, not a tenant: the person's consultancy's period.
                        AuditEntry(action="login", actor_id=world.ours.director.id, at=months_before(now, 25)),
                        AuditEntry(action="login", actor_id=world.theirs.director.id, at=months_before(now, 23))])
    _age(round_, 89)
    db.session.flush()
    counts = prune()
    db.session.expire_all()
    assert _count(Invitation, Invitation.round_id == round_.id, Invitation.sealed_result.is_not(None)) == 6  # 90 days
    assert (old_mail.recipient, old_mail.body_text) == (None, None)
    assert waiting.recipient == "wacht@example.nl"  # not delivered yet: never touched
    assert theirs.recipient == "hun@example.nl"  # 20 days, and their consultancy's own periods
    # Our director's 8-day-old login ended (7 days here); theirs did not (30 days there).
    sessions = set(db.session.scalars(sa.select(UserSession.user_id)))
    assert world.ours.director.id not in sessions and world.theirs.director.id in sessions
    assert _count(AuditEntry, AuditEntry.consultancy_id == consultancy.id, AuditEntry.at < months_before(now, 24)) == 0
    assert _count(AuditEntry, AuditEntry.consultancy_id == consultancy.id, AuditEntry.action == "login",
                  AuditEntry.at < months_before(now, 22)) == 1
    assert counts["mail"] == 1 and counts["audit_entries"] == 2
    signed_in = set(db.session.scalars(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == "login", AuditEntry.consultancy_id.is_(None))))
    assert world.ours.director.id not in signed_in or db.session.scalar(sa.select(sa.func.count()).where(
        AuditEntry.actor_id == world.ours.director.id, AuditEntry.at < months_before(now, 24))) == 0
    assert world.theirs.director.id in signed_in
    _age(round_, 91)
    prune()
    assert _count(Invitation, Invitation.round_id == round_.id, Invitation.sealed_result.is_not(None)) == 0


def test_a_consultant_sets_the_periods_within_limits_and_it_is_audited(client, auth, world):
    auth.login(world.ours.consultant)
    url = f"/c/{world.ours.consultancy.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'name="retain_answers_months"' in page and 'value="24"' in page
    base = {**RETENTION, "name": world.ours.consultancy.name, "primary_color": "#00695c"}
    too_short = client.submit(url, {**base, "retain_audit_months": "1"})
    assert too_short.status_code == 400
    db.session.expire_all()
    assert world.ours.consultancy.retain_audit_months == 24
    assert client.submit(url, {**base, "retain_answers_months": "12"}).status_code == 302
    db.session.expire_all()
    assert world.ours.consultancy.retain_answers_months == 12
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "retention_changed")).one()
    assert entry.detail == {"retain_answers_months": 12} and entry.consultancy_id == world.ours.consultancy.id


def test_a_login_ends_at_its_consultancies_shortest_period_however_active(client, auth, world):
    """Each login carries its end from the start (the shortest "a login ends after" of the
    person's consultancies) and is refused on the first request after it, not at the next
    nightly purge."""
    from maturity.tenancy.models import OrganisationMembership, OrgRole

    director = world.ours.director
    world.ours.consultancy.retain_sessions_days = 7
    world.theirs.consultancy.retain_sessions_days = 3
    db.session.add(OrganisationMembership(organisation_id=world.theirs.org.id, user_id=director.id, role=OrgRole.EMPLOYEE))
    db.session.flush()
    auth.login(director)
    login = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == director.id)).one()
    assert timedelta(days=3) - timedelta(minutes=1) < login.expires_at - login.created_at <= timedelta(days=3)
    assert client.get("/account").status_code == 200
    login.expires_at = utcnow() - timedelta(seconds=1)  # three days later, busy all the while
    login.last_seen_at = utcnow()
    db.session.flush()
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == director.id)) == 0
