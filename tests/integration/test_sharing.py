"""Results back to every employee (issue #26): publishing the plan mails every invitee of the
round once a link to a page without an account, with the phase, the mirror and the plan."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from maturity.accounts.models import User
from maturity.extensions import db
from maturity.mail.models import OutboxMessage
from maturity.plans.models import ActionPlan
from maturity.rounds.models import Invitation

from ..conftest import outbox_messages
from ..helpers import filled_round, mail_text
from ..helpers import smtp_server  # noqa: F401  (a fixture)

KIND = "results-shared"


def _plan_url(world, round_, suffix=""):
    return f"/o/{world.ours.org.slug}/rounds/{round_.id}/plan/{suffix}"


def _plan(round_) -> ActionPlan:
    return db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == round_.id)
                             .execution_options(populate_existing=True))


def _invitees(round_) -> dict[str, User]:
    """Every person invited to the round, by address."""
    return {u.email: u for u in db.session.scalars(
        sa.select(User).join(Invitation, Invitation.user_id == User.id).where(Invitation.round_id == round_.id))}


def _shared_mails(round_) -> list[OutboxMessage]:
    return [m for m in outbox_messages() if m.kind == KIND and m.round_id == round_.id]


def _shared_path(client, world, round_) -> str:
    """The link as the director's plan page shows it (the outbox copy never holds it)."""
    page = client.get(_plan_url(world, round_)).get_data(as_text=True)
    match = re.search(r'href="https?://[^/"]+(/shared/[^"]+)"', page)
    assert match, "no shared link on the plan page"
    return match.group(1)


def _publish(client, world, round_):
    response = client.submit(_plan_url(world, round_, "publish"))
    assert response.status_code == 302
    return response


@pytest.fixture
def measured(app, world):
    return filled_round(app, world, {"Wonen": 6, "Verhuur": 7}, customers=12)


@pytest.fixture
def published(client, auth, world, measured):
    auth.login(world.ours.director)
    assert client.submit(_plan_url(world, measured, "generate")).status_code == 302
    _publish(client, world, measured)
    db.session.expire_all()
    return measured


def test_publishing_mails_every_invitee_exactly_once_even_when_published_twice(client, auth, world, measured):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    invitees = _invitees(measured)
    assert len(invitees) == 14  # 13 who answered and the world's employee, who did not
    before = client.get(_plan_url(world, measured), query_string={"lang": "en"}).get_data(as_text=True)
    assert "Publishing e-mails the 14 people invited to this round, once" in before  # the director knows beforehand

    _publish(client, world, measured)
    page = client.get(_plan_url(world, measured), query_string={"lang": "en"}).get_data(as_text=True)
    assert "14 people invited to this round have been e-mailed a link" in page
    mails = _shared_mails(measured)
    assert sorted(m.recipient for m in mails) == sorted(invitees)  # one each, answered or not
    assert len({m.idempotency_key for m in mails}) == 14

    _publish(client, world, measured)  # hidden
    _publish(client, world, measured)  # and published again
    db.session.expire_all()
    assert len(_shared_mails(measured)) == 14
    shared = db.session.scalars(sa.select(Invitation.results_shared_at).where(Invitation.round_id == measured.id)).all()
    assert len(shared) == 14 and all(shared)
    # The audit trail has both publishes, with how many were mailed.
    from maturity.audit.models import AuditEntry

    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.in_(("plan_published", "plan_unpublished")))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, (e.detail or {}).get("mailed")) for e in entries] == [
        ("plan_published", 14), ("plan_unpublished", None), ("plan_published", 0)]


def test_an_erased_or_deactivated_invitee_is_not_mailed(client, auth, world, measured):
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    world.ours.employee.is_deactivated = True
    gone = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == measured.id,
                                                          Invitation.user_id != world.ours.employee.id)).first()
    gone.user_id = None  # the person was erased
    db.session.flush()
    _publish(client, world, measured)
    recipients = {m.recipient for m in _shared_mails(measured)}
    assert len(recipients) == 12 and world.ours.employee.email not in recipients


def test_the_worker_delivers_one_mail_per_person_with_the_same_link(smtp_server, client, auth, world, measured):  # noqa: F811
    auth.login(world.ours.director)
    client.submit(_plan_url(world, measured, "generate"))
    _publish(client, world, measured)
    invitees = _invitees(measured)

    def received_shares():
        return [m for m in smtp_server.messages if "/shared/" in mail_text(m)]

    received = received_shares()
    assert sorted(m["To"] for m in received) == sorted(invitees)
    bodies = [mail_text(m) for m in received]
    links = {re.search(r"https?://\S+/shared/\S+", body).group(0) for body in bodies}
    assert len(links) == 1  # the same link for everyone: nothing in it says who got it
    assert all("Klant ons" in m["Subject"] for m in received)
    # Recorded in the outbox, one row per person, delivered by the worker after the commit.
    db.session.expire_all()
    mails = _shared_mails(measured)
    assert len(mails) == 14 and {m.status for m in mails} == {"sent"}
    _publish(client, world, measured)
    _publish(client, world, measured)
    assert len(received_shares()) == 14


def test_the_link_shows_the_phase_mirror_and_plan_with_the_results_page_s_figures(
        app, make_client, client, world, published):
    from maturity.plans.services import plan_for, visible_items
    from maturity.results.figures import round_figures
    from maturity.results.services import round_results

    path = _shared_path(client, world, published)
    results_page = client.get(f"/o/{world.ours.org.slug}/rounds/{published.id}/results").get_data(as_text=True)
    anonymous = make_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.headers["X-Robots-Tag"].startswith("noindex")
    html = response.get_data(as_text=True)

    with app.test_request_context("/?lang=nl"):
        figures = round_figures(round_results(published), "nl")
    assert f'<p class="phase-name">{figures.phase}</p>' in html
    for sentence in figures.reasons + figures.next_steps:
        assert str(escape(sentence)) in html
    for row in figures.mirror:
        for text in (row.self_text, row.estimate_text, row.customer_text, row.gap_text):
            assert text in html
    assert all(value in html for value in figures.mirror_overall)
    assert str(escape(figures.headline)) in html
    # The mirror table is the results page's, cell for cell.
    def mirror_table(page):
        section = page[page.index('<section id="mirror">'):]
        return re.sub(r"\s+", " ", section[section.index("<tbody>"):section.index("</tbody>")])
    assert mirror_table(html) == mirror_table(results_page)
    for item in visible_items(plan_for(published)):
        assert str(escape(item.text("title", "nl"))) in html
    assert world.ours.org.name in html


def test_an_expired_or_tampered_link_gets_a_friendly_page(make_client, client, world, published):
    path = _shared_path(client, world, published)
    visitor = make_client()
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    for bad in (tampered, path.replace(f"/shared/{published.id}.", f"/shared/{published.id + 1}."), "/shared/x",
                "/shared/" + "9" * 40):
        response = visitor.get(bad, query_string={"lang": "en"})
        assert response.status_code == 404, bad
        assert "This link does not work" in response.get_data(as_text=True)
    plan = _plan(published)
    plan.shared_at -= timedelta(days=91)
    db.session.flush()
    response = visitor.get(path, query_string={"lang": "en"})
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This link has expired" in page and world.ours.org.name in page and "phase-name" not in page
    # In Dutch too, without a server error.
    assert visitor.get(path, query_string={"lang": "nl"}).status_code == 410
    # The director's page says so too.
    assert "expired on" in client.get(_plan_url(world, published), query_string={"lang": "en"}).get_data(as_text=True)


def test_unpublishing_hides_the_page_and_publishing_again_shows_it(make_client, client, world, published):
    path = _shared_path(client, world, published)
    visitor = make_client()
    assert visitor.get(path).status_code == 200
    _publish(client, world, published)  # hidden
    response = visitor.get(path, query_string={"lang": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "no longer shared" in page and "phase-name" not in page
    assert "plan-item" not in page
    _publish(client, world, published)
    assert visitor.get(path).status_code == 200
    assert len(_shared_mails(published)) == 14


def test_the_page_and_the_mail_say_nothing_about_any_person(make_client, client, world, published):
    from maturity.plans.services import plan_for, visible_items
    from maturity.rounds import links

    plan = _plan(published)
    item = visible_items(plan_for(published))[0]
    item.owner = "Marieke Eigenaar"  # an owner's name stays inside the organisation
    db.session.flush()
    path = _shared_path(client, world, published)
    assert path == f"/shared/{links.results_token(published.id, plan.share_nonce)}"
    html = make_client().get(path).get_data(as_text=True)
    people = list(_invitees(published).values()) + [world.ours.director, world.ours.consultant]
    for person in people:
        assert person.email not in html and person.name not in html
    assert "Marieke Eigenaar" not in html
    assert "/r/" not in html and "Afdeling" not in html and "Wonen" not in html  # no departments, no personal links
    # The mails differ only in the greeting: no personal link, no answers.
    bodies = {m.recipient: m.body_text for m in _shared_mails(published)}
    assert len({re.sub(r"^.*\n", "", body) for body in bodies.values()}) == 1
    assert all("[…]" in body and "/shared/" not in body for body in bodies.values())  # the kept copy hides the link


def test_a_csv_imported_person_without_an_account_receives_it(app, make_client, client, auth, world):
    auth.login(world.ours.director)
    csv_text = "naam;e-mail;afdeling\nImke Import;imke@example.nl;Buitendienst\n"
    preview = client.submit(f"/o/{world.ours.org.slug}/people/import",
                            {"file": (io.BytesIO(csv_text.encode()), "mensen.csv")}, content_type="multipart/form-data")
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    assert client.submit(f"/o/{world.ours.org.slug}/people/import/confirm", {"content": content}).status_code == 302
    imke = db.session.scalar(sa.select(User).where(User.email == "imke@example.nl"))
    assert imke is not None and not imke.has_password

    round_ = filled_round(app, world, {"Wonen": 6}, customers=6)
    assert "imke@example.nl" in _invitees(round_)  # invited, never answered, no account
    client.submit(_plan_url(world, round_, "generate"))
    _publish(client, world, round_)
    [mail] = [m for m in _shared_mails(round_) if m.recipient == "imke@example.nl"]
    assert "Imke Import" in mail.body_text and world.ours.org.name in mail.subject
    assert "Klantspiegel in Klantspiegel" not in mail.body_text
    # Her link opens the page without signing in.
    assert make_client().get(_shared_path(client, world, round_)).status_code == 200
