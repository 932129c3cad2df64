"""Importing and inviting many people costs the same number of queries as a few: the requests
only record rows (the outbox included); the worker does the slow part."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from maturity.extensions import db
from maturity.mail.models import OutboxMessage
from maturity.rounds import services as rounds
from maturity.rounds import inviting
from maturity.organisations import services as tenancy
from maturity.tenancy.models import Organisation


def _statements(fn) -> int:
    count = []
    listener = lambda *args: count.append(1)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(count)


def _people(n: int, prefix: str) -> list[tenancy.NewMember]:
    return [tenancy.NewMember(f"Persoon {i}", f"{prefix}{i}@example.nl", f"Afdeling {i % 3}") for i in range(n)]


def test_importing_and_inviting_take_the_same_number_of_queries_for_5_or_60_people(app, world):
    counts = {}
    for n in (2, 5, 60):  # the first only warms what is loaded once (the consultancy, its host)
        org = Organisation(consultancy_id=world.ours.consultancy.id, name=f"Org {n}", slug=f"org-{n}")
        db.session.add(org)
        db.session.flush()
        with app.test_request_context():
            imported = _statements(lambda: tenancy.import_members(org, _people(n, f"p{n}-"), inviter=world.ours.director))
            round_ = rounds.create_round(org, rounds.RoundSettings(
                title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=14)))
            rounds.open_round(round_)
            db.session.flush()
            invited = _statements(lambda: inviting.invite_employees(round_))
        counts[n] = (imported, invited)
        messages = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.organisation_id == org.id))
        assert messages == n  # one mail per person per round: employees get no separate account mail
    assert counts[5] == counts[60]


def test_employees_get_one_mail_per_round_which_also_offers_an_account(app, world):
    """Importing mails directors (they run rounds), not employees; the round's invitation carries
    the personal link and, for someone without an account, an optional activation link."""
    org = world.ours.org
    people = [tenancy.NewMember("Mia Medewerker", "mia@example.nl"),
              tenancy.NewMember("Dirk Directeur", "dirk@example.nl", role=tenancy.OrgRole.DIRECTOR)]
    with app.test_request_context():
        tenancy.import_members(org, people, inviter=world.ours.director)
        db.session.flush()
        mails = dict(db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.kind)).all())
        assert mails == {"dirk@example.nl": "account-invitation"}
        round_ = rounds.create_round(org, rounds.RoundSettings(
            title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=14)))
        rounds.open_round(round_)
        inviting.invite_employees(round_)
        db.session.flush()
    [body] = db.session.scalars(sa.select(OutboxMessage.body_text).where(OutboxMessage.recipient == "mia@example.nl")).all()
    assert "/invitation/" in body and "Activeer dan uw account" in body


def test_an_import_skips_people_already_in_the_organisation_and_duplicates_in_the_file(app, world):
    org = world.ours.org
    people = [tenancy.NewMember("Bestaand", world.ours.employee.email.upper()),
              tenancy.NewMember("Nieuw", "nieuw@example.nl", "Klantcontact"),
              tenancy.NewMember("Nieuw twee", "NIEUW@example.nl")]
    with app.test_request_context():
        assert tenancy.import_members(org, people, inviter=world.ours.director) == (1, 2, 0)  # added, skipped, invited
        # Retrying the same file adds and mails nobody again.
        before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        assert tenancy.import_members(org, people, inviter=world.ours.director) == (0, 3, 0)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
