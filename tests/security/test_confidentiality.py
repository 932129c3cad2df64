"""The curious director: every attack from issue #10, played with the product's own pages and
downloads (and, for the last ones, with the database alone). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import urllib.request
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.extensions import db
from maturity.results.services import DisclosureError, check_disclosure, round_results
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.results import publication
from maturity.rounds.ballots import BallotUnreadable
from maturity.rounds.models import Ballot, Invitation, Response, Round
from maturity.tenancy.models import OrgRole
from maturity.rounds.questionnaire import SECTIONS

from ..conftest import outbox_messages
from ..factories import DepartmentFactory, OrganisationFactory, member
from ..helpers import (R, full_answers, invitations_of, opened, round_url, round_with_people, section_form,
                       mail_text, submit_answers, without_csrf)
from ..helpers import open_round  # noqa: F401  (a fixture)

SURFACES = ("results", "results.csv", "results.xlsx", "report.pdf", "plan/")


def _csv(client, world, round_):
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


# 1. Differencing over time ------------------------------------------------------------------

def test_two_downloads_around_one_submission_reveal_nothing(app, client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 12})
    invitations = invitations_of(round_)
    with app.test_request_context():
        for invitation in invitations[:8]:
            submit_answers(invitation, full_answers(likert="3", mark="6"))
    auth.login(world.ours.director)
    before = {s: client.get(round_url(world, round_, s)) for s in SURFACES}
    live_before = client.get(round_url(world, round_, "results/live.json")).json
    with app.test_request_context():
        submit_answers(invitations[8], full_answers(choice="a", likert="1", mark="2"))  # the known colleague
    after = {s: client.get(round_url(world, round_, s)) for s in SURFACES}
    for surface in SURFACES:
        assert before[surface].status_code == after[surface].status_code == 409, surface
        # Byte for byte, but for the page's CSRF token, which carries the second it was made.
        assert without_csrf(before[surface].data) == without_csrf(after[surface].data), surface
    # Only the overall count moves; nothing in it says what was answered.
    assert client.get(round_url(world, round_, "results/live.json")).json["responses"] == live_before["responses"] + 1
    progress = client.get(f"/o/{world.ours.org.slug}/progress/").get_data(as_text=True)
    assert "gepubliceerd bij sluiting" in progress
    # Nothing reached the aggregates: the answers wait, sealed, in the ballot box.
    assert db.session.scalar(sa.select(sa.func.count()).where(Response.round_id == round_.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_.id)) == 9


def test_after_publication_no_answer_can_change_the_figures(app, client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 8})
    invitations = invitations_of(round_)
    with app.test_request_context():
        for invitation in invitations[:6]:
            submit_answers(invitation, full_answers())
        publication.close(round_)
        with pytest.raises(submission.RoundNotAccepting):
            submit_answers(invitations[6], full_answers(choice="a"))
        with pytest.raises(submission.RoundNotAccepting):
            customer_responses.submit_customer_response(round_, {"mirror.m1.customer": "2"}, "", "nl")
    auth.login(world.ours.director)
    first = client.get(round_url(world, round_, "results.csv")).data
    customer = client.submit(f"/k/{round_.customer_token}/", {"mirror.m1.customer": "2"})
    assert customer.status_code == 410
    assert client.get(round_url(world, round_, "results.csv")).data == first


def test_the_respondent_still_sees_their_own_result_at_once(make_client, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    link = f"/r/{links.invitation_token(invitations_of(round_)[0].id, invitations_of(round_)[0].nonce)}/"
    phone = opened(make_client(), link)
    token = phone.csrf_token()
    for section in SECTIONS:
        phone.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
    assert phone.post(f"{R}submit", data={"csrf_token": token}).status_code == 302
    assert "U scoort hoog" in phone.get(f"{R}result").get_data(as_text=True)


# 2 and 3. Every figure rests on at least the minimum; the phase uses the round's minimum -------

def test_a_figure_answered_by_one_person_is_hidden_on_every_surface(app, client, auth, world):
    """A team of 6 where 5 answer "weet ik niet" to every estimate: the estimate rests on one."""
    round_ = round_with_people(world, departments={"Wonen": 6})
    estimates = [k for k in full_answers() if k.endswith(".estimate")]
    with app.test_request_context():
        for n, invitation in enumerate(invitations_of(round_)[:6]):
            answers = full_answers()
            answers["leadership.l1"] = "dk" if n else "1"  # one statement, one answer
            for key in estimates:
                answers[key] = "9" if n == 0 else "dk"
            submit_answers(invitation, answers)
        publication.close(round_)
    results = round_results(round_)
    assert results.profile.mirror_estimate is None
    assert all(m.estimate.mean is None for m in results.mirror)
    l1 = next(s for s in results.likert["leadership"] if s.key == "leadership.l1")
    assert l1.mean is None
    auth.login(world.ours.director)
    rows = _csv(client, world, round_)
    estimate_rows = [r for r in rows if r[2] == "Inschatting medewerkers"]
    # The five topics and their average (the page's "Gemiddelde van de onderwerpen"), each hidden.
    assert len(estimate_rows) == 6 and all(r[-1] == "te weinig reacties" for r in estimate_rows)
    assert estimate_rows[-1][1] == "Gemiddelde van de onderwerpen"
    # Every number in the export rests on at least the minimum.
    for row in rows[1:]:
        if re.fullmatch(r"-?\d+(\.\d+)?", row[-1]) and row[3]:
            assert int(row[3]) >= round_.min_group_size, row
    html = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    assert "9,0" not in html  # the one estimate, as a mark


def test_no_published_round_ever_breaks_the_invariant(app, world):
    """Random rounds (sizes, departments, "weet ik niet" patterns, minimums): round_results checks
    every figure before handing it out, so building them all must not raise."""
    import random

    rng = random.Random(7)
    for attempt in range(6):
        sizes = {f"Afd{attempt}-{i}": rng.randint(1, 7) for i in range(rng.randint(1, 4))}
        # Each its own organisation: rounds of one organisation in the same period may not differ
        # by a few people (test_two_rounds_that_differ_by_one_person_cannot_both_run).
        org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Klant {attempt}", slug=f"invariant-{attempt}")
        round_ = round_with_people(world, min_size=rng.choice([3, 5, 7]), departments=sizes, org=org)
        share = rng.choice([0.0, 0.3, 0.8])
        with app.test_request_context():
            for invitation in invitations_of(round_):
                if rng.random() < 0.2:
                    continue
                answers = {k: ("dk" if not k.startswith("quiz.") and rng.random() < share else v)
                           for k, v in full_answers(likert=str(rng.randint(1, 5)), mark=str(rng.randint(1, 10))).items()}
                submit_answers(invitation, answers)
            for _ in range(rng.randint(0, 12)):
                customer_responses.submit_customer_response(round_, {"mirror.m1.customer": str(rng.randint(1, 10))}, "x", "nl")
            publication.close(round_)
        round_results(round_)  # raises DisclosureError on any figure below the minimum


def test_the_invariant_check_refuses_a_figure_below_the_minimum(app, world):
    import dataclasses

    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_)[:6]:
            submit_answers(invitation, full_answers())
        publication.close(round_)
    results = round_results(round_)
    stat = results.likert["culture"][0]
    leaked = dataclasses.replace(results, likert={**results.likert, "culture": [dataclasses.replace(stat, n=2)]})
    with pytest.raises(DisclosureError):
        check_disclosure(leaked)


def test_the_phase_uses_the_rounds_own_minimum(app, world):
    round_ = round_with_people(world, min_size=3, departments={"Wonen": 3})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            if invitation.user_id in (world.ours.director.id, world.ours.employee.id):
                continue
            submit_answers(invitation, full_answers())
        publication.close(round_)
    results = round_results(round_)
    assert results.n_responses == 3 and results.placement is not None
    assert not any(r.code == "too_few_responses" for r in results.placement.limitations)


# 4. Participation without identification ----------------------------------------------------

def test_a_small_departments_participation_is_never_shown_alone(app, client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 6, "Verhuur": 5, "Juridisch": 2})
    auth.login(world.ours.director)
    page = client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}").get_data(as_text=True)
    lawyer = next(i for i in invitations_of(round_) if i.department_id and i.department_id != world.ours.department.id
                  and db.session.get(type(world.ours.department), i.department_id).name == "Juridisch")
    with app.test_request_context():
        submit_answers(lawyer, full_answers())
    again = client.get(f"/o/{world.ours.org.slug}/rounds/{round_.id}").get_data(as_text=True)
    assert "Juridisch" not in page and "Juridisch" not in again
    table = lambda html: html[html.index("Respons per afdeling"):]  # noqa: E731
    assert "Wonen" in table(again)


# 5. The database alone -----------------------------------------------------------------------

def test_the_database_alone_cannot_link_answers_to_people(app):
    """Real commits (not the rolled-back test transaction): each submission in its own
    transaction, at distinct times, then the close. Response rows share one transaction id and
    a random physical order; the ballots held nothing readable."""
    from maturity.accounts.models import User
    from maturity.tenancy.models import Consultancy

    from ..factories import build_tenant

    with app.app_context():
        tenant = build_tenant("linking")
        for _ in range(11):
            member(tenant.org, OrgRole.EMPLOYEE, tenant.department)
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
        services.open_round(round_)
        with app.test_request_context():
            inviting.invite_employees(round_)
        db.session.commit()
        round_id, consultancy_id = round_.id, tenant.consultancy.id
        people = [tenant.director.id, tenant.consultant.id] + [
            m.user_id for m in db.session.scalars(sa.select(type(tenant.employee.membership)).where(
                type(tenant.employee.membership).organisation_id == tenant.org.id))]
        try:
            order = []
            for n, invitation in enumerate(invitations_of(round_)):
                # The n-th to submit chooses quiz options that spell n in base 3.
                answers = full_answers(choice="a")
                answers["quiz.q1"] = "abc"[n % 3]
                answers["quiz.q2"] = "abc"[n // 3 % 3]
                answers["quiz.q3"] = "abc"[n // 9 % 3]
                with app.test_request_context():
                    submit_answers(invitation, answers)
                db.session.commit()
                order.append((answers["quiz.q1"], answers["quiz.q2"], answers["quiz.q3"]))
                sealed = db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_id)).all()
                assert all(b"quiz" not in s for s in sealed)
                assert len({len(s) for s in sealed}) == 1  # padded: the length tells nothing either
            assert db.session.scalar(sa.select(sa.func.count()).where(Response.round_id == round_id)) == 0
            publication.close(db.session.get(Round, round_id))
            db.session.commit()

            dialect = db.engine.dialect.name
            physical = "ctid" if dialect == "postgresql" else "rowid"
            stored = db.session.execute(sa.text(
                f"SELECT r.id FROM response r WHERE r.round_id = :r ORDER BY r.{physical}"), {"r": round_id}).scalars().all()
            by_row = [_choices_of(rid) for rid in stored]
            assert len(by_row) == len(order) and sorted(by_row) == sorted(order)
            assert by_row != order and by_row != order[::-1]  # 2 in 13! to fail by chance
            if dialect == "postgresql":
                xmins = set(db.session.execute(sa.text(
                    "SELECT xmin::text FROM response WHERE round_id = :r"), {"r": round_id}).scalars())
                invitation_xmins = set(db.session.execute(sa.text(
                    "SELECT xmin::text FROM invitation WHERE round_id = :r"), {"r": round_id}).scalars())
                assert len(xmins) == 1 and not xmins & invitation_xmins
            assert db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_id)) == 0
        finally:
            # Everything this test committed goes again (organisations first: consultancies restrict).
            from maturity.mail.models import OutboxMessage
            from maturity.tenancy.models import Organisation

            db.session.rollback()
            emails = list(db.session.scalars(sa.select(User.email).where(User.id.in_(people))))
            db.session.execute(sa.delete(Organisation).where(Organisation.consultancy_id == consultancy_id))
            db.session.execute(sa.delete(Consultancy).where(Consultancy.id == consultancy_id))
            db.session.execute(sa.delete(User).where(User.id.in_(people)))
            db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient.in_(emails)))
            db.session.commit()


def _choices_of(response_id: str) -> tuple[str, str, str]:
    from maturity.rounds.models import ResponseAnswer

    rows = dict(db.session.execute(sa.select(ResponseAnswer.item_key, ResponseAnswer.choice).where(
        ResponseAnswer.response_id == response_id, ResponseAnswer.item_key.in_(["quiz.q1", "quiz.q2", "quiz.q3"]))).all())
    return rows["quiz.q1"], rows["quiz.q2"], rows["quiz.q3"]


# 6. Links that are not keys forever ----------------------------------------------------------

def test_a_used_link_opens_nobodys_answers(make_client, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    invitation = invitations_of(round_)[0]
    link = f"/r/{links.invitation_token(invitation.id, invitation.nonce)}/"
    respondent = opened(make_client(), link)
    token = respondent.csrf_token()
    for section in SECTIONS:
        respondent.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
    respondent.post(f"{R}submit", data={"csrf_token": token})
    assert "U scoort hoog" in respondent.get(f"{R}result").get_data(as_text=True)
    # The session now holds the result key, not the link.
    cookie = respondent.get_cookie("session", domain="klantspiegel.local").value
    assert link.split("/")[2] not in str(respondent.application.session_interface.get_signing_serializer(
        respondent.application).loads(cookie))
    # Someone who finds the link later (a log, a forwarded mail, the outbox).
    finder = make_client()
    page = finder.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Uw reactie is ontvangen" in text
    assert "U scoort hoog" not in text and "/ 30" not in text and "Advies per vraag" not in text
    for suffix in ("result", "result.pdf", "", "review"):
        assert finder.get(f"{R}{suffix}").status_code == 403
    # Even the respondent's own encrypted copy cannot be opened with the link.
    assert links.unseal(link.split("/")[2], db.session.get(Invitation, invitation.id).sealed_result) == {}


def test_the_outbox_never_shows_a_personal_link(client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 2})
    tokens = [links.invitation_token(i.id, i.nonce) for i in invitations_of(round_)]
    bodies = [m.body_text or "" for m in outbox_messages()]
    assert len([b for b in bodies if "Uw persoonlijke link" in b]) == len(tokens)
    assert not any(token in body for token in tokens for body in bodies)
    auth.login(world.admin)
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert not any(token in outbox for token in tokens)


def test_personal_links_are_delivered_but_not_kept(app, world):
    from aiosmtpd.controller import Controller

    from ..helpers import Collect, free_port

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        with app.test_request_context():
            round_ = round_with_people(world, departments={"Wonen": 1})
        db.session.commit()  # the outbox delivers after the commit
        tokens = {links.invitation_token(i.id, i.nonce) for i in invitations_of(round_)}
        delivered = " ".join(mail_text(m) for m in handler.messages)
        assert all(token in delivered for token in tokens)
        assert not any(token in (m.body_text or "") for token in tokens for m in outbox_messages())
    finally:
        app.config.update(saved)
        controller.stop()


def test_the_request_log_never_contains_a_token(app, caplog):
    """The development server's own access log, through a real socket. (The link need not
    resolve: a request for it is logged all the same, which is what matters here.)"""
    from werkzeug.serving import make_server

    with app.app_context():
        token = links.invitation_token(424242, "0123456789abcdef")
    # Single-threaded: shutdown() returns only after the last request, and its log line, are done.
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        thread.start()
        try:
            # A respondent's link, a customer's, an account invitation and a password reset:
            # each holds its secret in the path.
            for path in (f"/r/{token}/", f"/r/{token}/reminders", f"/r/{token}/nope", f"/k/{token}/",
                         f"/kp/{token}/", f"/invitation/{token}", f"/password/reset/{token}", f"/shared/{token}"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=5)
                except urllib.error.HTTPError:
                    pass
        finally:
            server.shutdown()
            thread.join(5)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/r/[redacted]/" in line for line in lines)
    assert any("/password/reset/[redacted]" in line for line in lines)
    assert any("/invitation/[redacted]" in line for line in lines)
    assert any("/shared/[redacted]" in line for line in lines)
    assert not any(token in line or token.split(".")[1] in line for line in lines)


# 7. Customer comments -------------------------------------------------------------------------

def test_comments_appear_only_at_publication_in_random_order(app, client, auth, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_)[:6]:
            submit_answers(invitation, full_answers())
        written = [f"Opmerking {n:02d}" for n in range(12)]
        for comment in written:
            customer_responses.submit_customer_response(round_, {"mirror.m1.customer": "7"}, comment, "nl")
    auth.login(world.ours.director)
    assert client.get(round_url(world, round_, "results")).status_code == 409
    with app.test_request_context():
        publication.close(round_)
    shown = round_results(round_).comments
    assert sorted(shown) == written
    assert shown != written and shown != sorted(written, reverse=True)  # not arrival, not alphabetical


# The secret key --------------------------------------------------------------------------------

def test_a_rotated_key_closes_with_its_fallback_and_refuses_without(app, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_)[:6]:
            submit_answers(invitation, full_answers())
    old = app.config["SECRET_KEY"]
    try:
        app.config.update(SECRET_KEY="a-new-key-after-rotation-0123456789abcdef", SECRET_KEY_FALLBACKS=[])
        with pytest.raises(BallotUnreadable):
            publication.release_ballots(round_)
        assert db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_.id)) == 6
        app.config["SECRET_KEY_FALLBACKS"] = [old]
        publication.close(round_)
    finally:
        app.config.update(SECRET_KEY=old, SECRET_KEY_FALLBACKS=[])
    assert db.session.scalar(sa.select(sa.func.count()).where(Response.round_id == round_.id)) == 6


def test_rounds_past_their_end_date_are_closed_by_the_daily_command(app, world):
    round_ = round_with_people(world, departments={"Wonen": 6})
    with app.test_request_context():
        for invitation in invitations_of(round_)[:5]:
            submit_answers(invitation, full_answers())
    round_.closes_on = date.today() - timedelta(days=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["close-rounds"])
    assert result.exit_code == 0 and "1 rounds closed" in result.output
    assert round_.is_published and round_results(round_).n_responses == 5


def test_changing_departments_after_publication_changes_no_figure(app, client, auth, world):
    """Merging a hidden department into a shown one (by renaming it) or deleting it would,
    if groups followed the live departments, expose the moved people by subtraction."""
    from maturity.tenancy.models import Department

    round_ = round_with_people(world, departments={"Wonen": 6, "Verhuur": 6, "Juridisch": 2})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            submit_answers(invitation, full_answers(likert=str(1 + invitation.id % 5)))
        publication.close(round_)
    auth.login(world.ours.director)
    before = client.get(round_url(world, round_, "results.csv")).data
    legal = db.session.scalar(sa.select(Department).where(Department.name == "Juridisch"))
    legal.name = "Wonen2"
    db.session.flush()
    db.session.execute(sa.update(Department).where(Department.name == "Verhuur").values(name="Wonen3"))
    db.session.delete(legal)
    db.session.flush()
    assert client.get(round_url(world, round_, "results.csv")).data == before


def test_with_a_mail_server_the_outbox_keeps_no_account_link_either(app, client, auth, world):
    """A failed delivery keeps the body for the admin: without the password link in it."""
    from ..helpers import free_port

    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    try:
        client.submit("/password/forgot", {"email": world.ours.employee.email})
    finally:
        app.config.update(saved)
    [message] = [m for m in outbox_messages() if m.recipient == world.ours.employee.email]
    assert message.status == "pending" and "/password/reset/" not in message.body_text and "[…]" in message.body_text


def test_a_department_named_like_the_no_department_row_exposes_nobody(app, client, auth, world):
    """A director names a department "—" (how the no-department row used to be labelled) and
    leaves one person alone in another department: that person stays hidden."""
    from maturity.tenancy.models import OrganisationMembership

    dash = DepartmentFactory(organisation_id=world.ours.org.id, name="—")
    for _ in range(5):
        member(world.ours.org, OrgRole.EMPLOYEE, dash)
    for _ in range(5):
        member(world.ours.org, OrgRole.EMPLOYEE)
    round_ = round_with_people(world, departments={"Juridisch": 1})
    db.session.execute(sa.update(OrganisationMembership).where(
        OrganisationMembership.user_id.in_([world.ours.employee.id])).values(department_id=None))
    with app.test_request_context():
        for invitation in invitations_of(round_):
            submit_answers(invitation, full_answers(likert="5" if invitation.department_id else "2"))
        publication.close(round_)
    results = round_results(round_)  # would raise DisclosureError on any subtraction leak
    shown_n = sum(d.n for d in results.departments if d.is_visible)
    assert results.n_responses - shown_n in (0,) or results.n_responses - shown_n >= round_.min_group_size
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Response.round_id == round_.id, Response.department == "Juridisch")) == 0
    auth.login(world.ours.director)
    assert "Juridisch" not in client.get(round_url(world, round_, "results")).get_data(as_text=True)


def test_the_database_keeps_no_department_of_fewer_than_the_minimum(app, world):
    round_ = round_with_people(world, departments={"Wonen": 6, "Verhuur": 5, "Juridisch": 2})
    with app.test_request_context():
        for invitation in invitations_of(round_):
            submit_answers(invitation, full_answers())
        publication.close(round_)
    stored = dict(db.session.execute(sa.select(Response.department, sa.func.count()).where(
        Response.round_id == round_.id).group_by(Response.department)).all())
    # Juridisch (2) and Klantcontact (1) are too small: together 3, too small in turn, so the
    # smallest named one (Verhuur, 5) joins them.
    assert stored == {"Wonen": 6, None: 8}


def test_ballots_carry_no_time(app, world):
    import time

    round_ = round_with_people(world, departments={"Wonen": 2})
    with app.test_request_context():
        first, second = invitations_of(round_)[:2]
        submit_answers(first, full_answers())
        time.sleep(1.1)
        submit_answers(second, full_answers())
    a, b = db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_.id)).all()
    # A Fernet token would carry its creation time in bytes 1..8; these are random nonces and
    # ciphertext of one fixed length.
    assert len(a) == len(b) and a[:9] != b[:9]


def test_a_forged_personal_link_names_no_organisation(make_client, world, open_round):
    """Invitation ids are sequential: a link with a real id and a made-up signature must not
    tell whose invitation it is (the page's title and header carry the organisation's name)."""
    inviting.invite_employees(open_round)
    invitation = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == open_round.id)).first()
    name = world.ours.org.name
    real = make_client().get(f"/r/{links.invitation_token(invitation.id, invitation.nonce)}/", follow_redirects=True)
    assert real.status_code == 200 and name in real.get_data(as_text=True)
    forged = make_client().get(f"/r/{invitation.id}.{'x' * 32}/")
    assert forged.status_code == 404 and name not in forged.get_data(as_text=True)
    # A session whose link was revoked since (a new nonce: erasure, a new link) learns nothing either.
    client = opened(make_client(), f"/r/{links.invitation_token(invitation.id, invitation.nonce)}/")
    invitation.nonce = "0" * 16
    db.session.flush()
    revoked = client.get(R)
    assert revoked.status_code == 403 and name not in revoked.get_data(as_text=True)
