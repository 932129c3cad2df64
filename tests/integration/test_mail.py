"""Mail goes to the outbox without SMTP, and through a real SMTP server when configured."""

from __future__ import annotations



from maturity.mail.services import send_mail

from ..conftest import outbox_messages
from ..helpers import free_port, mail_text
from ..helpers import smtp_server  # noqa: F401  (a fixture)


def test_without_smtp_messages_are_kept_in_the_outbox(app, db):
    with app.test_request_context():
        message = send_mail("iemand@example.nl", "Onderwerp", "Tekst met link")
    assert message.status == "outbox" and message.body_text == "Tekst met link"


def test_invitations_are_delivered_by_real_smtp(smtp_server, client, auth, world):
    auth.login(world.ours.consultant)
    response = client.submit(f"/c/{world.ours.consultancy.slug}/organisations", {
        "name": "Gemeente Zandvoort", "sector": "Gemeente",
        "director_name": "Piet Pol", "director_email": "piet.pol@example.nl",
    })
    assert response.status_code == 302
    [received] = smtp_server.messages
    assert received["To"] == "piet.pol@example.nl"
    assert "Gemeente Zandvoort" in received["Subject"]
    assert "/invitation/" in mail_text(received)
    [recorded] = outbox_messages()
    # Delivered: the envelope is kept, the body with its link is not.
    assert recorded.status == "sent" and recorded.body_text is None


def test_a_failing_mail_server_is_recorded_not_raised(app, client, auth, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    try:
        auth.login(world.ours.director)
        response = client.submit(f"/o/{world.ours.org.slug}/people", {
            "name": "Nieuwe Collega", "email": "nieuw@example.nl", "department": "", "role": "director",
        })
        assert response.status_code == 302
        [recorded] = outbox_messages()
        # The action succeeded; the message waits, with the reason, for the next attempt.
        assert recorded.status == "pending" and "ConnectionRefused" in recorded.error
        assert recorded.attempts == 1 and recorded.next_attempt_at is not None
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=587, MAIL_USE_TLS=True, MAIL_TIMEOUT=15)


def test_admin_reads_the_outbox_in_the_ui(client, auth, world):
    auth.login(world.ours.director)
    client.submit("/password/forgot", {"email": world.ours.employee.email})
    auth.logout()
    auth.login(world.admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert world.ours.employee.email in page
    message_id = outbox_messages()[-1].id
    body = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "/password/reset/" in body


def test_the_daily_prune_removes_expired_sessions_and_old_outbox_copies(app, db, world):
    from datetime import timedelta

    import sqlalchemy as sa

    from maturity.accounts.models import UserSession
    from maturity.mail.models import OutboxMessage
    from maturity.models_base import utcnow
    from maturity.privacy.retention import prune

    old = utcnow() - timedelta(days=40)
    db.session.add_all([
        UserSession(token_hash="a" * 64, user_id=world.ours.director.id, last_seen_at=old),
        UserSession(token_hash="b" * 64, user_id=world.ours.director.id, last_seen_at=utcnow()),
        OutboxMessage(recipient="x@example.nl", subject="Oud", body_text="tekst", status="outbox", created_at=old),
        OutboxMessage(recipient="y@example.nl", subject="Nieuw", body_text="tekst", status="outbox"),
    ])
    db.session.flush()
    with app.test_request_context():
        counts = prune()
    assert counts["sessions_idle"] == 1 and counts["mail"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1
    kept = dict(db.session.execute(sa.select(OutboxMessage.subject, OutboxMessage.recipient)).all())
    assert kept == {"Oud": None, "Nieuw": "y@example.nl"}


def test_one_message_per_key_even_when_an_action_is_retried(app, db):
    import sqlalchemy as sa

    from maturity.mail.models import OutboxMessage

    with app.test_request_context():
        first = send_mail("a@example.nl", "Onderwerp", "Tekst", key="round-invitation:1")
        again = send_mail("a@example.nl", "Onderwerp", "Tekst", key="round-invitation:1")
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_the_admin_outbox_pages_and_searches(client, auth, world, app, db):
    from maturity.mail.models import OutboxMessage

    db.session.add_all([OutboxMessage(recipient=f"p{i}@example.nl", subject=f"Bericht {i}", status="outbox", body_text="x")
                        for i in range(230)] + [OutboxMessage(recipient="mislukt@example.nl", subject="Kapot",
                                                              status="failed", error="SMTPDataError: 554")])
    db.session.flush()
    auth.login(world.admin)
    first = client.get("/admin/outbox").get_data(as_text=True)
    assert "Pagina 1 van 3" in first and "Kapot" in first
    assert "p0@example.nl" in client.get("/admin/outbox?page=3").get_data(as_text=True)
    found = client.get("/admin/outbox?q=p12").get_data(as_text=True)
    assert "p12@example.nl" in found and "p120@example.nl" in found and "p13@example.nl" not in found
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "mislukt@example.nl" in failed and "SMTPDataError: 554" in failed and "p1@example.nl" not in failed


def _linde(world):
    """Our client organisation, renamed as in issue #26's example."""
    world.ours.org.name = "Woonstichting De Linde"
    from maturity.extensions import db

    db.session.flush()
    return world.ours.org


def test_the_invitation_names_the_organisation_not_klantspiegel_twice(app, client, auth, world):
    org = _linde(world)
    auth.login(world.ours.director)
    response = client.submit(f"/o/{org.slug}/people", {
        "name": "Nieuwe Directeur", "email": "nieuw@example.nl", "department": "", "role": "director"})
    assert response.status_code == 302
    [message] = [m for m in outbox_messages() if m.recipient == "nieuw@example.nl"]
    assert "nodigt u uit voor Woonstichting De Linde in Klantspiegel." in message.body_text
    assert "Woonstichting De Linde" in message.subject
    assert "Klantspiegel in Klantspiegel" not in message.body_text + message.subject


def test_a_forgotten_password_before_activating_sends_the_invitation_for_the_organisation(app, client, world):
    """The bug of issue #26: the invitation sent again from "wachtwoord vergeten" read
    "U bent uitgenodigd voor Klantspiegel in Klantspiegel"."""
    from maturity.organisations.services import NewMember, import_members

    org = _linde(world)
    with app.test_request_context():
        import_members(org, [NewMember("Imke Import", "imke@example.nl")], inviter=world.ours.director)
    client.submit("/password/forgot", {"email": "imke@example.nl"})
    [message] = [m for m in outbox_messages() if m.recipient == "imke@example.nl"]
    assert "U bent uitgenodigd voor Woonstichting De Linde in Klantspiegel." in message.body_text
    assert message.subject == "Uitnodiging voor Klantspiegel: Woonstichting De Linde"
    assert message.body_text.rstrip().endswith(world.ours.consultancy.name)  # signed by the consultancy
    assert "Klantspiegel in Klantspiegel" not in message.body_text + message.subject


def test_an_invitation_for_nothing_in_particular_says_klantspiegel_once(app, db):
    from maturity.accounts.services import send_invitation

    from ..factories import UserFactory

    user = UserFactory(password_hash=None)
    with app.test_request_context():
        send_invitation(user, context=None)
    [message] = outbox_messages()
    assert "Klantspiegel in Klantspiegel" not in message.body_text + message.subject
    assert message.body_text.count("Klantspiegel") >= 1
