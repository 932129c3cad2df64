"""Documents the worker makes (pdf/documents.py): asked for by a POST, handed to the queue by ids
once the request has committed, served by a GET that writes nothing; the personal result stays
its respondent's own, and goes with their result."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from maturity import tasks
from maturity.extensions import db
from maturity.models_base import utcnow
from maturity.pdf.documents import LOST_AFTER, UNCLAIMED_AFTER
from maturity.privacy.retention import purge_consultancy
from maturity.privacy.subject_data import erase_from_organisation
from maturity.accounts.models import User
from maturity.results import publication
from maturity.reports.context import report_key
from maturity.reports.models import ReportCache
from maturity.rounds import links, services
from maturity.rounds.models import CustomerCard, Invitation, PersonalResultPdf
from maturity.rounds.questionnaire import SECTIONS
from maturity.tasks import app_task, enqueue

from ..helpers import R, download, filled_round, full_answers, invite_and_get_link, opened, section_form
from ..helpers import open_round  # noqa: F401  (a fixture)

#: What this module's own task saw, in order.
NOTED: list[int] = []


@app_task()
def note(value: int) -> None:
    NOTED.append(value)


def test_a_task_waits_for_the_commit_and_a_rollback_forgets_it(db):
    NOTED.clear()
    enqueue(note, 1)
    enqueue(note, 1)  # the same task and arguments: handed over once
    assert NOTED == []  # nothing is handed to the worker before the transaction commits
    db.session.commit()
    assert NOTED == [1]
    enqueue(note, 2)
    db.session.rollback()  # the change that asked for it was undone: so is the task
    db.session.commit()
    assert NOTED == [1]


def _answered(make_client, round_):
    """A respondent who has just submitted, in their own browser session."""
    client = opened(make_client(), invite_and_get_link(round_))
    token = client.csrf_token()
    for section in SECTIONS:
        client.post(f"{R}section/{section}", data={**section_form(section, full_answers()), "csrf_token": token})
    assert client.post(f"{R}submit", data={"csrf_token": token}).status_code == 302
    return client


def test_the_personal_result_is_made_by_the_worker_and_sealed_with_the_respondents_key(make_client, world, open_round):
    laptop = opened(make_client(), invite_and_get_link(open_round))  # the same link, opened elsewhere before
    phone = _answered(make_client, open_round)
    invitation = db.session.scalars(sa.select(Invitation).where(Invitation.submitted_at.is_not(None))).one()
    # Before asking: the page offers to make it; the GET writes nothing.
    waiting = phone.get(f"{R}result.pdf")
    assert waiting.status_code == 200 and "De pdf maken" in waiting.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalResultPdf)) == 0
    pdf = download(phone, f"{R}result.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "U scoort hoog" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    row = db.session.scalars(sa.select(PersonalResultPdf)).one()
    asked_at = row.requested_at
    # Stored sealed with the key only the phone's session holds; the server's copy of that key is gone.
    assert row.status == "ready" and row.sealed_key is None
    assert b"%PDF" not in row.sealed_pdf and b"scoort" not in row.sealed_pdf
    token = links.invitation_token(invitation.id, invitation.nonce)
    assert links.unseal_result_pdf(token, row.sealed_pdf) is None
    # The other browser that opened the link, and anyone with the link, gets neither the PDF nor a new one.
    for client in (laptop, make_client()):
        if client is not laptop:
            client.get(f"/r/{token}/")
        assert client.get(f"{R}result.pdf").status_code in (302, 403)
        assert client.post(f"{R}result.pdf", data={"csrf_token": client.csrf_token()}).status_code in (302, 403)
    db.session.expire_all()
    assert db.session.scalars(sa.select(PersonalResultPdf)).one().requested_at == asked_at
    # In English: another PDF, asked for again.
    phone.submit("/language", {"locale": "en"})
    assert phone.get(f"{R}result.pdf").mimetype != "application/pdf"
    english = download(phone, f"{R}result.pdf")
    assert "Your personal result" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(english.data)).pages)


@pytest.mark.parametrize("how", ["erasure", "retention"])
def test_the_personal_pdf_goes_with_the_result(app, make_client, world, open_round, how):
    phone = _answered(make_client, open_round)
    download(phone, f"{R}result.pdf")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalResultPdf)) == 1
    invitation = db.session.scalars(sa.select(Invitation).where(Invitation.submitted_at.is_not(None))).one()
    if how == "erasure":  # the person is erased from the organisation on request
        with app.test_request_context():
            erase_from_organisation(db.session.get(User, invitation.user_id), world.ours.org.id,
                                    by=world.ours.director)
    else:  # the round closed, and the period the consultancy keeps personal results for ends
        with app.test_request_context():
            publication.close(open_round)
        days = world.ours.consultancy.retain_personal_results_days
        purge_consultancy(world.ours.consultancy, utcnow() + timedelta(days=days - 1))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalResultPdf)) == 1  # still kept
        purge_consultancy(world.ours.consultancy, utcnow() + timedelta(days=days + 1))
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).sealed_result is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalResultPdf)) == 0


def test_the_customer_card_is_asked_for_once_and_made_again_when_it_changes(client, auth, world, open_round):
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{open_round.id}/customer-card.pdf"
    before = client.get(url)
    assert before.status_code == 200 and "Kaart voorbereiden" in before.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerCard)) == 0
    first = download(client, url)
    assert first.mimetype == "application/pdf"
    made_at = db.session.scalars(sa.select(CustomerCard.created_at)).one()
    assert download(client, url).data == first.data  # asked again: served, not made again
    db.session.expire_all()
    assert db.session.scalars(sa.select(CustomerCard.created_at)).one() == made_at
    open_round.closes_on += timedelta(days=7)  # the card says until when: a new card
    db.session.flush()
    assert client.get(url).mimetype != "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(download(client, url).data)).pages[0].extract_text().split())
    assert open_round.customer_token in text


def test_the_queue_carries_ids_and_keys_never_documents(app, client, auth, world, make_client, tmp_path, monkeypatch):
    """With a queue nobody consumes, what each request handed over can be read: row ids and the
    key the row asks for, nothing of the document itself."""
    round_ = filled_round(app, world, {"Wonen": 6})
    elsewhere = services.create_round(world.theirs.org, services.RoundSettings(
        title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    services.open_round(elsewhere)
    phone = _answered(make_client, elsewhere)
    monkeypatch.setitem(app.config, "TASK_QUEUE_URL", f"sqlite:///{tmp_path}/queue.sqlite3")
    try:
        auth.login(world.ours.director)
        base = f"/o/{world.ours.org.slug}/rounds"
        for url in (f"{base}/{round_.id}/report.pdf", f"{base}/{round_.id}/deck.pptx",
                    f"{base}/{round_.id}/customer-card.pdf"):
            assert client.submit(url).status_code == 303
        assert phone.post(f"{R}result.pdf", data={"csrf_token": phone.csrf_token()}).status_code == 303
        pending = tasks.huey.pending()
        assert sorted(t.name for t in pending) == ["render_customer_card", "render_deck", "render_personal_result",
                                                   "render_report"]
        for task in pending:
            row_id, key = task.args
            assert isinstance(row_id, int) and len(key) == 64 and not task.kwargs, (task.name, task.args)
        waiting = client.get(f"{base}/{round_.id}/report.pdf")  # the worker has not come yet
        assert waiting.status_code == 202 and 'http-equiv="refresh"' in waiting.get_data(as_text=True)
    finally:
        tasks.huey.flush()
    assert db.session.scalars(sa.select(ReportCache.status)).all() == ["pending", "pending"]


@pytest.mark.parametrize("stage", ["claimed", "unclaimed"])
def test_a_rendering_whose_worker_is_gone_is_asked_again_by_the_page_that_waits(app, client, auth, world, stage):
    """A worker killed mid-render stops beating; one that never took the job never claimed it.
    Either way the wait page hands the job to the queue again (here: made at once)."""
    round_ = filled_round(app, world, {"Wonen": 6})
    auth.login(world.ours.director)
    url = f"/o/{world.ours.org.slug}/rounds/{round_.id}/report"
    with app.test_request_context(), force_locale("nl"):
        key = report_key(round_, "nl")
    now = utcnow()
    row = ReportCache(round_id=round_.id, language="nl", kind="pdf", html_sha256=key, status="pending",
                      requested_at=now - UNCLAIMED_AFTER - timedelta(seconds=1))
    if stage == "claimed":
        row.requested_at = now - timedelta(seconds=30)
        row.claimed_at = row.heartbeat_at = now - LOST_AFTER - timedelta(seconds=1)
    db.session.add(row)
    db.session.flush()
    page = client.get(url)
    assert page.status_code == 200
    db.session.expire_all()
    assert db.session.get(ReportCache, row.id).status == "ready"
    assert "Het rapport is klaar" in client.get(url).get_data(as_text=True)
    # A live worker (a fresh heartbeat) is left alone: the page only waits.
    row.status, row.claimed_at, row.heartbeat_at, row.pdf = "pending", utcnow(), utcnow(), None
    db.session.flush()
    assert "Het rapport wordt gemaakt" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReportCache, row.id).status == "pending"
