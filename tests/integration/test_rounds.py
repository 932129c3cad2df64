"""Rounds end to end: create, open, invite, fill in on any device, submit once, personal result,
customer mirror; and the confidentiality of what is stored."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

from maturity.extensions import db
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.results import publication
from maturity.rounds.models import Ballot, CustomerResponse, Invitation, Response, ResponseAnswer, Round, RoundStatus
from maturity.rounds.questionnaire import SECTIONS, section_keys

from ..conftest import outbox_messages
from ..factories import DepartmentFactory, member
from ..helpers import INSTRUMENT, R, download, full_answers, invite_and_get_link, opened, section_form
from ..helpers import open_round  # noqa: F401  (a fixture)


def test_director_creates_opens_and_invites(client, auth, world):
    auth.login(world.ours.director)
    org = world.ours.org.slug
    assert client.get(f"/o/{org}/rounds/new").status_code == 200
    response = client.submit(f"/o/{org}/rounds/new", {
        "title": "Klantspiegel 2027", "opens_on": date.today().isoformat(),
        "closes_on": (date.today() + timedelta(days=14)).isoformat(), "min_group_size": "5",
        "min_comment_group_size": "10",
    })
    assert response.status_code == 302
    round_ = db.session.scalar(sa.select(Round).where(Round.title == "Klantspiegel 2027"))
    assert round_.status is RoundStatus.DRAFT and round_.instrument_version == "1"
    client.submit(f"/o/{org}/rounds/{round_.id}/open")
    client.submit(f"/o/{org}/rounds/{round_.id}/invite")
    invited = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)).all()
    # Employees are invited; the director is not counted unless the director chooses to answer.
    assert {i.user_id for i in invited} == {world.ours.employee.id}
    page = client.get(f"/o/{org}/rounds/{round_.id}").get_data(as_text=True)
    assert "van 1 uitgenodigden" in page and "Zelf de vragenlijst invullen" in page
    response = client.submit(f"/o/{org}/rounds/{round_.id}/answer-myself")
    assert response.status_code == 302 and response.location.startswith("/r/")
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Invitation.round_id == round_.id, Invitation.user_id == world.ours.director.id)) == 1
    assert "/k/" + round_.customer_token in page
    assert client.get(f"/o/{org}/rounds/{round_.id}/customer-qr.svg").mimetype == "image/svg+xml"


def test_a_director_deletes_a_draft_but_not_an_open_round(client, auth, world, open_round):
    auth.login(world.ours.director)
    org = world.ours.org.slug
    draft = services.create_round(world.ours.org, services.RoundSettings(
        title="Vergissing", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    db.session.flush()
    draft_id = draft.id
    page = client.get(f"/o/{org}/rounds/{draft_id}").get_data(as_text=True)
    assert "Concept verwijderen" in page
    response = client.submit(f"/o/{org}/rounds/{draft_id}/delete", follow_redirects=True)
    assert "is verwijderd" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Round, draft_id) is None
    assert "Concept verwijderen" not in client.get(f"/o/{org}/rounds/{open_round.id}").get_data(as_text=True)
    refused = client.submit(f"/o/{org}/rounds/{open_round.id}/delete", follow_redirects=True)
    assert "Alleen een concept" in refused.get_data(as_text=True)
    assert db.session.get(Round, open_round.id) is not None


def test_round_form_rejects_bad_input_with_messages(client, auth, world):
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/new", {
        "title": "", "opens_on": "2027-05-10", "closes_on": "2027-05-01", "min_group_size": "1",
        "min_comment_group_size": "x",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Dit veld is verplicht.", "sluitingsdatum", "Kies een getal van 3 tot 50"):
        assert message in html


def test_a_typed_zero_is_a_number_out_of_range_not_a_missing_field(client, auth, world):
    """0 was typed: the form says which numbers it takes, not that the field is empty."""
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/new", {
        "title": "Voorjaar", "opens_on": "2027-05-01", "closes_on": "2027-05-10", "min_group_size": "0",
        "min_comment_group_size": "0",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Kies een getal van 3 tot 50" in html and "Kies een getal van 3 tot 100" in html
    assert "Dit veld is verplicht." not in html
    # Nothing typed is still missing.
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/new", {
        "title": "Voorjaar", "opens_on": "2027-05-01", "closes_on": "2027-05-10", "min_group_size": "",
        "min_comment_group_size": "10",
    })
    assert response.status_code == 400 and "Dit veld is verplicht." in response.get_data(as_text=True)


def test_minimum_group_size_is_fixed_once_open(client, auth, world, open_round):
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/{open_round.id}/edit", {
        "title": "Voorjaar", "opens_on": open_round.opens_on.isoformat(), "closes_on": open_round.closes_on.isoformat(),
        "min_group_size": "3", "min_comment_group_size": "10",
    })
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Round, open_round.id).min_group_size == 5


def test_the_whole_respondent_journey(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    phone = opened(make_client(), link)
    welcome = phone.get(R)
    assert welcome.status_code == 200 and "vertrouwelijk" in welcome.get_data(as_text=True)
    answers = full_answers()
    token = phone.csrf_token()
    for index, section in enumerate(SECTIONS[:2]):
        response = phone.post(f"{R}section/{section}", data={**section_form(section, answers), "csrf_token": token})
        # Saved, and the answer is the next page itself, which names its own address.
        following = SECTIONS[index + 1]
        assert response.status_code == 200
        assert f'<meta name="page-url" content="/respond/section/{following}">' in response.get_data(as_text=True)
    # Resume on another device: the same link, a new browser session.
    laptop = opened(make_client(), link)
    page = laptop.get(f"{R}section/quiz").get_data(as_text=True)
    assert 'value="c" checked' in page and 'value="b" checked' in page
    assert "Verder waar ik gebleven was" in laptop.get(R).get_data(as_text=True)
    token = laptop.csrf_token()
    for section in SECTIONS[2:]:
        laptop.post(f"{R}section/{section}", data={**section_form(section, answers), "csrf_token": token})
    review = laptop.get(f"{R}review").get_data(as_text=True)
    assert "Alle vragen zijn beantwoord" in review
    response = laptop.post(f"{R}submit", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/result")
    result = laptop.get(f"{R}result").get_data(as_text=True)
    assert "30" in result and "U scoort hoog" in result
    assert "Volledige openheid werkt het best" in result  # seed advice for q1 c
    # Sealed in the ballot box until the round closes; then one anonymous response.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    publication.close(open_round)
    [stored] = db.session.scalars(sa.select(Response)).all()
    assert stored.quiz_total == 30 and stored.band == "high"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseAnswer)) == len(answers)


def test_a_second_submit_gives_the_result_not_an_error(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    token = client.csrf_token()
    for section in SECTIONS:
        client.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
    first = client.post(f"{R}submit", data={"csrf_token": token})
    second = client.post(f"{R}submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302 and second.location.endswith("/result")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1


def _submitted_and_a_stale_copy(open_round):
    """An invitation submitted through the service, and a copy of it as a second request would
    hold it had it read the invitation before the submit committed. Returns (stale, token)."""
    inviting.invite_employees(open_round)
    invitation = db.session.scalars(sa.select(Invitation)).first()
    token = links.invitation_token(invitation.id, invitation.nonce)
    submission.save_answers(invitation, token, full_answers())
    draft = invitation.sealed_draft
    submission.submit_response(invitation, token)
    db.session.expunge(invitation)
    stale = db.session.get(Invitation, invitation.id)
    sa.orm.attributes.set_committed_value(stale, "submitted_at", None)
    sa.orm.attributes.set_committed_value(stale, "sealed_draft", draft)
    return stale, token


def test_the_database_refuses_a_second_response_for_one_link(app, world, open_round):
    with app.test_request_context():
        stale, token = _submitted_and_a_stale_copy(open_round)
        with pytest.raises(submission.AlreadySubmitted):
            submission.submit_response(stale, token)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1


def test_a_draft_saved_by_a_stale_request_does_not_reappear_after_submitting(app, world, open_round):
    """A second tab that read the invitation before the first one submitted: its answers are
    refused, not written back into the draft the submit has just removed."""
    with app.test_request_context():
        stale, token = _submitted_and_a_stale_copy(open_round)
        with pytest.raises(submission.AlreadySubmitted):
            submission.save_answers(stale, token, {"quiz.q1": "a"})
    stored = db.session.execute(sa.select(Invitation.sealed_draft, Invitation.submitted_at)).one()
    assert stored.sealed_draft is None and stored.submitted_at is not None


def test_a_page_saved_in_a_tab_after_submitting_in_another_leads_to_the_result(make_client, world, open_round, monkeypatch):
    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    token = client.csrf_token()
    seal = links.seal

    def other_tab_submits_meanwhile(*args):
        """The other tab's submit lands between this request's read and its write."""
        db.session.execute(sa.update(Invitation).values(submitted_at=sa.func.now()))
        return seal(*args)

    monkeypatch.setattr(links, "seal", other_tab_submits_meanwhile)
    response = client.post("/respond/section/quiz", data={"csrf_token": token, "quiz.q1": "a"})
    assert response.status_code == 302 and response.location.endswith("/respond/result")
    assert db.session.scalar(sa.select(Invitation.sealed_draft)) is None


def test_incomplete_answers_cannot_be_submitted(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    token = client.csrf_token()
    client.post(f"{R}section/quiz", data={**section_form("quiz", full_answers()), "csrf_token": token})
    review = client.get(f"{R}review").get_data(as_text=True)
    assert "nog niet beantwoord" in review
    response = client.post(f"{R}submit", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/review")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0


def test_expired_csrf_token_keeps_the_answers_on_the_page(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    form = section_form("quiz", full_answers(choice="b"))
    response = client.post(f"{R}section/quiz", data={**form, "csrf_token": "expired"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('value="b" checked') == len(form)


def test_closed_round_accepts_nothing(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    publication.close(open_round)
    db.session.flush()
    client = opened(make_client(), link)
    assert "gesloten" in client.get(R).get_data(as_text=True)
    token = client.csrf_token()
    response = client.post(f"{R}section/quiz", data={**section_form("quiz", full_answers()), "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Invitation.sealed_draft)) is None


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tampered signature
    lambda t: "999999." + t.split(".")[1],  # another id with this signature
    lambda t: "not-a-token",
])
def test_tampered_or_foreign_tokens_are_404(make_client, world, open_round, mutate):
    link = invite_and_get_link(open_round)
    token = link.split("/")[2]
    client = make_client()
    for suffix in ("", "reminders"):
        assert client.get(f"/r/{mutate(token)}/{suffix}").status_code == 404
    # Nothing was exchanged for the session, so the questionnaire stays closed.
    for suffix in ("", "section/quiz", "review", "result"):
        assert client.get(f"{R}{suffix}").status_code == 403


def test_stored_data_does_not_link_answers_to_people(app, world, open_round):
    inviting.invite_employees(open_round)
    invitation = db.session.scalars(sa.select(Invitation)).first()
    with app.test_request_context():
        token = links.invitation_token(invitation.id, invitation.nonce)
        submission.save_answers(invitation, token, full_answers())
        draft = invitation.sealed_draft
        submission.submit_response(invitation, token)
    # Drafts, own results and ballots are encrypted; nothing readable on the invitation.
    ballot = db.session.scalars(sa.select(Ballot)).one()
    assert b"quiz.q1" not in draft and b"quiz.q1" not in invitation.sealed_result and b"quiz" not in ballot.sealed
    assert {c.name for c in Ballot.__table__.columns} == {"id", "round_id", "kind", "batch", "sealed"}
    columns = {c.name for c in Response.__table__.columns}
    assert not columns & {"user_id", "invitation_id", "created_at", "email", "receipt", "submitted_on"}
    publication.close(open_round)
    response = db.session.scalars(sa.select(Response)).one()
    assert re.fullmatch(r"[0-9a-f]{32}", response.id)  # random, not in submission order
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0


def test_reminders_skip_finished_and_opted_out_people(app, world, open_round):
    extra = member(world.ours.org, department=world.ours.department)
    finished = member(world.ours.org, department=world.ours.department)
    inviting.invite_employees(open_round)
    invitations = {i.user_id: i for i in db.session.scalars(sa.select(Invitation))}
    invitations[extra.id].has_opted_out_of_reminders = True
    invitations[finished.id].submitted_at = services.utcnow()
    with app.test_request_context():
        # Invited a minute ago: no reminder yet, whatever the schedule says (#27).
        assert inviting.send_reminders(open_round) == 0
        for invitation in invitations.values():
            invitation.invited_at = services.utcnow() - timedelta(days=3)
        assert inviting.send_reminders(open_round) == 1
        assert inviting.send_reminders(open_round) == 0  # not twice within two days
    assert outbox_messages()[-1].recipient == world.ours.employee.email


def test_respondent_can_opt_out_of_reminders(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    client = make_client()
    assert client.get(f"{link}reminders").status_code == 200
    client.submit(f"{link}reminders")
    assert db.session.scalar(sa.select(sa.func.count()).where(Invitation.has_opted_out_of_reminders.is_(True))) == 1


def test_remind_command_for_cron(app, world, open_round):
    member(world.ours.org, department=world.ours.department)
    inviting.invite_employees(open_round)
    db.session.execute(sa.update(Invitation).values(invited_at=services.utcnow() - timedelta(days=3)))
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0 and "2 reminders" in result.output


def test_response_rates_per_department_show_counts_only(client, auth, world, open_round):
    for _ in range(4):
        member(world.ours.org, department=world.ours.department)  # Klantcontact: 5 people
    small = DepartmentFactory(organisation_id=world.ours.org.id, name="Directiesecretariaat")
    member(world.ours.org, department=small)
    member(world.ours.org, department=small)
    member(world.ours.org)
    member(world.ours.org)
    member(world.ours.org)  # 3 without a department: with the small department, 5 counted together
    inviting.invite_employees(open_round)
    auth.login(world.ours.director)
    html = client.get(f"/o/{world.ours.org.slug}/rounds/{open_round.id}").get_data(as_text=True)
    assert "Klantcontact" in html and "onder 60%" in html
    assert world.ours.employee.name not in html and world.ours.employee.email not in html
    # A department of two is never shown on its own: nobody can watch whether one of them responded.
    assert "Directiesecretariaat" not in html and "Kleinere afdelingen en geen afdeling" in html
    rates = services.response_rates(open_round)
    assert [(r.name, r.invited) for r in rates] == [("Klantcontact", 5), (None, 5)]


def test_copy_round_keeps_the_settings(client, auth, world, open_round):
    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/{open_round.id}/copy")
    assert response.status_code == 302
    copy = db.session.scalars(sa.select(Round).where(Round.id != open_round.id)).one()
    assert copy.is_draft and copy.min_group_size == open_round.min_group_size and "kopie" in copy.title


def test_customer_mirror(make_client, world, open_round):
    customer = make_client()
    url = f"/k/{open_round.customer_token}/"
    page = customer.get(url)
    assert page.status_code == 200 and "Hoe ervaren klanten Klant ons?" in page.get_data(as_text=True)
    footer = page.get_data(as_text=True).split('class="container site-footer"')[1]
    assert "Klant ons · Uw antwoorden zijn anoniem" in footer and "medewerkers" not in footer
    data = {key: "6" for key in INSTRUMENT.customer_answer_keys()}
    response = customer.submit(url, {**data, "comment": "Op vrijdagmiddag onbereikbaar."})
    assert response.status_code == 302
    # It waits in the ballot box like an employee's questionnaire: sealed, nothing in the clear.
    ballot = db.session.scalars(sa.select(Ballot).where(Ballot.round_id == open_round.id)).one()
    assert ballot.kind == "customer" and b"vrijdagmiddag" not in ballot.sealed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerResponse)) == 0
    assert customer_responses.customer_response_count(open_round) == 1
    publication.close(open_round)
    stored = db.session.scalars(sa.select(CustomerResponse)).one()
    assert stored.comment == "Op vrijdagmiddag onbereikbaar." and stored.mirror_customer is not None
    assert stored.source == "public" and stored.language == "nl"


def test_customer_honeypot_and_empty_form(make_client, world, open_round):
    customer = make_client()
    url = f"/k/{open_round.customer_token}/"
    data = {key: "6" for key in INSTRUMENT.customer_answer_keys()}
    assert customer.submit(url, {**data, "website": "http://spam"}).status_code == 302
    assert customer.submit(url, {}).status_code == 400
    assert customer_responses.customer_response_count(open_round) == 0


def test_customer_cap_and_rate_limit(make_client, world, open_round):
    open_round.customer_cap = 2
    db.session.flush()
    customer = make_client()
    url = f"/k/{open_round.customer_token}/"
    data = {key: "8" for key in INSTRUMENT.customer_answer_keys()}
    statuses = [customer.submit(url, data).status_code for _ in range(3)]
    assert statuses == [302, 302, 200]
    assert customer_responses.customer_response_count(open_round) == 2
    statuses = [customer.submit(url, data).status_code for _ in range(20)]
    assert 429 in statuses


def test_customer_link_reaches_nothing_else(make_client, world, open_round):
    customer = make_client()
    token = open_round.customer_token
    assert customer.get(f"/r/{token}/").status_code == 404
    assert customer.get(f"/k/{token}/section/quiz").status_code == 404
    assert customer.get(f"/o/{world.ours.org.slug}/rounds/{open_round.id}").status_code == 302  # login first


def test_draft_rounds_have_no_customer_link(make_client, world):
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Concept", opens_on=date.today(), closes_on=date.today() + timedelta(days=5)))
    db.session.flush()
    assert make_client().get(f"/k/{round_.customer_token}/").status_code == 404


def test_employee_finds_their_questionnaire_in_the_app(client, auth, world, open_round):
    inviting.invite_employees(open_round)
    auth.login(world.ours.employee)
    html = client.get(f"/o/{world.ours.org.slug}/").get_data(as_text=True)
    assert "Vragenlijst invullen" in html and "/r/" in html


def test_personal_result_as_pdf(make_client, world, open_round):
    from io import BytesIO

    from pypdf import PdfReader

    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    token = client.csrf_token()
    for section in SECTIONS:
        client.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
    client.post(f"{R}submit", data={"csrf_token": token})
    response = download(client, f"{R}result.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "30/30" in text.replace(" ", "") and "U scoort hoog" in text and "Klant ons" in text
    assert "Volledige openheid werkt het best" in text
    # The page lists the same other answers as the PDF, from the same rows.
    page = client.get(f"{R}result").get_data(as_text=True)
    rows = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", page)
    assert len(rows) == sum(len(section_keys(INSTRUMENT, s)) for s in ("leadership", "culture", "mirror"))
    assert {answer for _, answer in rows} == {"Eens", "7"}
    flat = " ".join(text.split())
    assert all(" ".join(html.unescape(statement).split())[:40] in flat for statement, _ in rows)


def test_each_answer_can_be_saved_as_it_is_given(make_client, app, world, open_round):
    link = invite_and_get_link(open_round)
    client = opened(make_client(), link)
    token = client.csrf_token()
    assert client.post(f"{R}save", data={"quiz.q1": "b", "csrf_token": token}).json == {"saved": True}
    assert client.post(f"{R}save", data={"quiz.q1": "z", "csrf_token": token}).status_code == 400
    assert client.post(f"{R}save", data={"quiz.q2": "a"}).status_code == 400
    page = opened(make_client(), link).get(f"{R}section/quiz").get_data(as_text=True)
    assert 'name="quiz.q1" value="b" checked' in page and 'name="quiz.q2" value="a" checked' not in page


def test_round_defaults_protect_small_groups(world):
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Standaard", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
    assert (round_.min_group_size, round_.min_comment_group_size) == (5, 10)


def test_the_director_can_pause_the_customer_link_and_sees_arrivals_per_day(client, auth, world, make_client, open_round):
    customer = make_client()
    url = f"/k/{open_round.customer_token}/"
    data = {key: "7" for key in INSTRUMENT.customer_answer_keys()}
    assert customer.submit(url, data).status_code == 302
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{open_round.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Klantreacties per dag" in page and "hoogstens 500" in page
    assert client.submit(f"{base}/customer-link").status_code == 302
    paused = customer.get(url)
    assert paused.status_code == 200 and "gepauzeerd" in paused.get_data(as_text=True)
    assert customer.submit(url, data).status_code == 200
    assert customer_responses.customer_response_count(open_round) == 1
    client.submit(f"{base}/customer-link")  # resume
    assert customer.submit(url, data).status_code == 302


def test_customers_get_personal_links_that_work_once(client, auth, world, make_client, open_round):
    from maturity.rounds.models import CustomerInvitation

    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{open_round.id}"
    sent = client.submit(f"{base}/customers", {"emails": "Klant@Example.nl\nander@example.nl, klant@example.nl"},
                         follow_redirects=True)
    assert "2 klanten hebben een persoonlijke link gekregen" in sent.get_data(as_text=True)
    invitations = db.session.scalars(sa.select(CustomerInvitation).order_by(CustomerInvitation.id)).all()
    assert [i.email for i in invitations] == ["klant@example.nl", "ander@example.nl"]
    [mail] = [m for m in outbox_messages() if m.recipient == "klant@example.nl"]
    token = links.customer_token(invitations[0].id, invitations[0].nonce)
    assert token not in (mail.body_text or "") and "[…]" in mail.body_text
    customer = make_client()
    url = f"/kp/{token}/"
    page = customer.get(url)
    assert page.status_code == 200 and f'action="{url}"' in page.get_data(as_text=True)
    data = {key: "8" for key in INSTRUMENT.customer_answer_keys()}
    assert customer.submit(url, data).location.endswith(f"{url}thanks")
    assert customer.submit(url, data).status_code == 302  # the second time: thanks, nothing stored
    assert customer_responses.customer_response_count(open_round) == 1
    # The public link still works, and the results tell the two apart.
    make_client().submit(f"/k/{open_round.customer_token}/", data)
    publication.close(open_round)
    assert sorted(r.source for r in db.session.scalars(sa.select(CustomerResponse))) == ["personal", "public"]
    assert db.session.scalars(sa.select(CustomerInvitation.email)).all() == [None, None]  # erased at close
    from maturity.results.services import round_results

    assert round_results(open_round).n_customers_personal == 1


def test_a_printable_customer_card_with_the_qr_code(client, auth, world, open_round):
    from io import BytesIO

    from pypdf import PdfReader

    auth.login(world.ours.director)
    response = download(client, f"/o/{world.ours.org.slug}/rounds/{open_round.id}/customer-card.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    page = PdfReader(BytesIO(response.data)).pages[0]
    text = " ".join(page.extract_text().split())
    assert "Hoe ervaart u ons?" in text and world.ours.org.name in text and open_round.customer_token in text
    assert len(page.images) == 1  # the QR code


def test_the_progress_bar_counts_answered_questions_not_pages(make_client, world, open_round):
    client = make_client()
    opened(client, invite_and_get_link(open_round))
    client.submit("/respond/section/quiz", {"quiz.q1": "a", "quiz.q2": "b", "go": "next"})
    review = client.get("/respond/review").get_data(as_text=True)
    assert "2 van 32 vragen beantwoord" in review
    assert '<progress value="2" max="32">' in review


def test_from_the_review_page_the_open_questions_are_pointed_at(make_client, world, open_round):
    client = make_client()
    opened(client, invite_and_get_link(open_round))
    client.submit("/respond/section/quiz", {"quiz.q1": "a", "go": "next"})
    review = client.get("/respond/review").get_data(as_text=True)
    assert "/respond/section/quiz?open=1#q-quiz-q2" in review
    section = client.get("/respond/section/quiz?open=1").get_data(as_text=True)
    assert "5 vragen op deze pagina zijn nog open" in section
    assert 'is-missing" id="q-quiz-q2"' in section
    assert 'is-missing" id="q-quiz-q1"' not in section


def test_the_mirror_shows_each_topics_two_marks_together(make_client, world, open_round):
    client = make_client()
    opened(client, invite_and_get_link(open_round))
    page = client.get("/respond/section/mirror").get_data(as_text=True)
    topics = page.split('class="mirror-topic"')[1:]
    assert len(topics) == 5
    for n, topic in enumerate(topics, start=1):
        assert f'id="q-mirror-m{n}-self"' in topic and f'id="q-mirror-m{n}-estimate"' in topic


def test_one_bad_address_does_not_hold_back_the_good_ones(client, auth, world, open_round):
    """Issue #27: one invalid address refused the whole batch (and the redirect emptied the
    box). The valid ones are sent; each invalid line is named by its number and stays in the
    box, alone, to be corrected."""
    from maturity.rounds.models import CustomerInvitation

    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{open_round.id}"
    response = client.submit(f"{base}/customers", {
        "emails": "klant@example.nl\ngeen-adres\n\nander@example.nl; piet@@example.nl\nderde@example.nl"})
    html_ = response.get_data(as_text=True)
    assert response.status_code == 400  # the form again, with what is left to correct
    assert [i.email for i in db.session.scalars(sa.select(CustomerInvitation).order_by(CustomerInvitation.id))] == [
        "klant@example.nl", "ander@example.nl", "derde@example.nl"]
    # Said beside the form the page opens at, with the lines still to correct.
    assert html_.index('id="customers"') < html_.index("3 klanten hebben een persoonlijke link gekregen")
    assert 'action="' + f"{base}/customers#customers" + '"' in html_
    assert "Regel 2: “geen-adres” is geen e-mailadres" in html_
    assert "Regel 4: “piet@@example.nl” is geen e-mailadres" in html_
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html_, re.S).group(1)
    assert textarea.split() == ["geen-adres", "piet@@example.nl"]
    assert 'aria-invalid="true"' in html_
    # Corrected and sent again: only the corrected addresses are new.
    client.submit(f"{base}/customers", {"emails": "geen@example.nl\npiet@example.nl"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerInvitation)) == 5


def test_a_batch_of_only_bad_addresses_sends_nothing_and_keeps_them(client, auth, world, open_round):
    from maturity.rounds.models import CustomerInvitation

    auth.login(world.ours.director)
    response = client.submit(f"/o/{world.ours.org.slug}/rounds/{open_round.id}/customers", {"emails": "geen-adres"})
    assert response.status_code == 400
    assert "Regel 1: “geen-adres” is geen e-mailadres" in response.get_data(as_text=True)
    assert "persoonlijke link gekregen" not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerInvitation)) == 0


def test_the_customer_form_says_optional_and_no_names_once_each(make_client, world, open_round):
    """Issue #27: the comment box said "(niet verplicht)" twice and "geen namen" more than once."""
    for lang, optional, names in (("nl", "niet verplicht", "geen namen"), ("en", "optional", "names")):
        page = make_client().get(f"/k/{open_round.customer_token}/?lang={lang}").get_data(as_text=True)
        start = page.index(f'<form method="post" action="/k/{open_round.customer_token}/">')
        form = page[start:page.index("</form>", start)]
        assert form.lower().count(optional) == 1, lang
        assert form.lower().count(names) == 1, lang
        # Each where it belongs: "optional" beside the comment's question, the request for no
        # names as that box's help text.
        label = re.search(r'<label for="comment">(.*?)<textarea', form, re.S).group(1)
        assert optional in label.lower()
        help_id = re.search(r'<textarea[^>]*aria-describedby="([^"]+)"', form).group(1)
        assert names in re.search(rf'id="{help_id}"[^>]*>(.*?)</', form, re.S).group(1).lower()
        # What anonymous means is said once on the page (in the footer), not again above the form.
        assert page.count("IP") == 1, lang


def test_the_welcome_page_counts_the_questions_and_steps_the_questionnaire_has(make_client, world, open_round):
    """Issue #27: "32 korte vragen in vier delen" beside "Stap 1 van 6"."""
    from maturity.rounds.respond import STEPS

    client = opened(make_client(), invite_and_get_link(open_round))
    welcome = html.unescape(re.sub(r"\s+", " ", client.get(R).get_data(as_text=True)))
    questions = sum(len(section_keys(INSTRUMENT, s)) for s in SECTIONS)
    assert f"{questions} korte vragen" in welcome
    assert "vier delen" not in welcome
    steps = re.findall(r'<li class="step">(.*?)</li>', welcome)
    assert len(steps) == STEPS
    assert f"in {STEPS} stappen" in welcome
    first = html.unescape(re.sub(r"\s+", " ", client.get(f"{R}section/quiz").get_data(as_text=True)))
    assert f"Stap 1 van {STEPS}" in first
    # Each step as its own page calls itself.
    for section, step in zip(SECTIONS, steps):
        assert INSTRUMENT_TITLES[section] in step
        assert f"{len(section_keys(INSTRUMENT, section))} vragen" in step
    assert "open vraag" in steps[len(SECTIONS)].lower() and "Controleren en versturen" in steps[-1]


INSTRUMENT_TITLES = {"quiz": INSTRUMENT.quiz.title.get("nl"), "leadership": INSTRUMENT.leadership.title.get("nl"),
                     "culture": INSTRUMENT.culture.title.get("nl"), "mirror": INSTRUMENT.mirror.title.get("nl")}


def test_the_outbox_copy_of_an_invitation_keeps_the_whole_opt_out_line(world, open_round):
    """Issue #27: the personal link was a prefix of the opt-out link, so blanking it left
    "[…]reminders" in the copy. Each private link is replaced whole, and the copy reads as
    the message does."""
    from maturity.mail.services import REDACTED

    invite_and_get_link(open_round)
    db.session.flush()
    [mail] = [m for m in outbox_messages() if m.recipient == world.ours.employee.email]
    lines = mail.body_text.splitlines()
    assert "/reminders" not in mail.body_text and REDACTED + "reminders" not in mail.body_text
    assert "Liever geen herinneringen: " + REDACTED in lines
    assert lines.count(REDACTED) == 1  # the personal link's own line
    assert "/r/" not in mail.body_text


def test_the_response_rates_list_departments_by_name_whatever_their_accents(world, open_round):
    """Issue #27: one sort key for names everywhere ("Één loket" among the E, not after "Zuid")."""
    # "Beheer", the smallest, is counted together with the one person of the fixture's department.
    for name, size in (("Zuid", 7), ("Één loket", 7), ("onderhoud", 7), ("Beheer", 5)):
        department = DepartmentFactory(organisation_id=world.ours.org.id, name=name)
        for _ in range(size):
            member(world.ours.org, department=department)
    inviting.invite_employees(open_round)
    db.session.flush()
    assert [r.name for r in services.response_rates(open_round) if r.name] == ["Één loket", "onderhoud", "Zuid"]


def test_sending_links_again_says_who_already_had_one(client, auth, world, open_round):
    """Not "0 klanten hebben een persoonlijke link gekregen" in green when all had one already."""
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{open_round.id}/customers"
    client.submit(url, {"emails": "klant@example.nl"})
    again = html.unescape(client.submit(url, {"emails": "klant@example.nl\nnieuw@example.nl"}, follow_redirects=True)
                          .get_data(as_text=True))
    assert "1 klant heeft een persoonlijke link gekregen. 1 had er in deze ronde al een (niet opnieuw verstuurd)." in again
    same = html.unescape(client.submit(url, {"emails": "klant@example.nl"}, follow_redirects=True).get_data(as_text=True))
    assert "persoonlijke link gekregen" not in same
    assert "1 had er in deze ronde al een (niet opnieuw verstuurd)." in same
