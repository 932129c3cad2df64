"""The database administrator and the backup reader (issue #24), on SQLite and PostgreSQL.

Every submission and the close commit for real (not the rolled-back test transaction): the
attacks read what a copy of the database holds — row positions (SQLite rowid, PostgreSQL ctid),
transaction ids (xmin), the bytes of the files — without the server's key.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.results import publication
from maturity.rounds.models import (Ballot, CustomerAnswer, CustomerInvitation, CustomerResponse, Invitation,
                                    Response, ResponseAnswer, Round)
from maturity.tenancy.models import OrgRole

from ..factories import member
from ..helpers import CHANCE_BOUND, committed_tenant, full_answers, matches, physical_position, ranked, sqlite_files

INSTRUMENT = load_instrument()
STATEMENTS = [i.key for s in INSTRUMENT.likert_sections for i in s.items][:3]
PEOPLE, CUSTOMERS = 30, 12
def _signature(n: int) -> dict[str, str]:
    """The n-th person's answers: three statements spell n in base 5."""
    answers = full_answers()
    for position, key in enumerate(STATEMENTS):
        answers[key] = str(1 + n // 5 ** position % 5)
    return answers


def _person_of(values: dict[str, int]) -> int:
    return sum((values[key] - 1) * 5 ** position for position, key in enumerate(STATEMENTS))


def _customer_signature(n: int) -> dict[str, str]:
    return {f"mirror.m{j}.customer": str(1 + (n if j == 1 else j) % 10) for j in range(1, 6)} | {
        "mirror.m2.customer": str(1 + n // 10)}


@pytest.mark.parametrize("minimum", [5, 50], ids=["mixed", "never-mixed"])
def test_two_copies_one_open_one_closed_link_no_better_than_chance(app, minimum):
    """The attack from the issue, with every ordering a copy offers: person → ballot (by
    transaction id, or position against submission order) in a copy while open, ballot →
    response (by ballot id or position, against the responses' position) in a copy after close.
    With a minimum above the number of people no batch is ever mixed, so the copy while open
    links every person to their ballot: the release order alone must then defeat the attack."""
    with committed_tenant(app, f"kopie{minimum}") as tenant:
        for _ in range(PEOPLE - 1):
            member(tenant.org, OrgRole.EMPLOYEE, tenant.department)
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3), min_group_size=minimum,
            min_comment_group_size=max(minimum, 10)))
        services.open_round(round_)
        with app.test_request_context():
            inviting.invite_employees(round_)
        db.session.commit()
        round_id = round_.id
        invitations = list(db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_id)
                                              .order_by(Invitation.id)))
        person_of_invitation = {}
        seen_ballots: set[bytes] = set()
        for n, invitation in enumerate(invitations):
            person_of_invitation[invitation.id] = n
            with app.test_request_context():
                token = links.invitation_token(invitation.id, invitation.nonce)
                submission.save_answers(invitation, token, _signature(n))
                submission.submit_response(invitation, token)
            db.session.commit()
            seen_ballots |= set(db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_id)))
        physical = physical_position()
        is_pg = db.engine.dialect.name == "postgresql"

        # Copy 1, while the round is open.
        ballot_rows = db.session.execute(sa.text(
            f"SELECT id, {physical}{'::text' if is_pg else ''}, batch{', xmin::text' if is_pg else ''} "
            "FROM ballot WHERE round_id = :r"), {"r": round_id}).all()
        invitation_rows = db.session.execute(sa.text(
            f"SELECT id, submitted_at{', xmin::text' if is_pg else ''} FROM invitation WHERE round_id = :r"),
            {"r": round_id}).all()
        assert len(ballot_rows) == PEOPLE
        # Mixed in batches: a transaction id is shared by a whole batch (at least the minimum),
        # except for the last few, not yet mixed, of which there are fewer than a batch.
        unmixed = [b for b in ballot_rows if b[2] is None]
        assert len(unmixed) < round_.min_group_size and (minimum < PEOPLE or len(unmixed) == PEOPLE)
        if is_pg:
            per_xmin: dict[str, int] = {}
            for b in ballot_rows:
                if b[2] is not None:
                    per_xmin[b[3]] = per_xmin.get(b[3], 0) + 1
            assert min(per_xmin.values(), default=minimum) >= round_.min_group_size
        by_submission = [person_of_invitation[i] for i in ranked((row[1], row[0]) for row in invitation_rows)]
        ballots_by_position = ranked((row[1], row[0]) for row in ballot_rows)
        ballots_by_id = sorted(row[0] for row in ballot_rows)
        # The attacker's person → ballot guesses: the k-th ballot by position (or id) is the k-th
        # submission; on PostgreSQL also the ballot whose xmin is the invitation's.
        guesses = {"position": dict(zip(ballots_by_position, by_submission)),
                   "id": dict(zip(ballots_by_id, by_submission))}
        if is_pg:
            invitation_xmin = {row[2]: person_of_invitation[row[0]] for row in invitation_rows}
            guesses["xmin"] = {b[0]: invitation_xmin.get(b[3]) for b in ballot_rows}

        publication.close_by_worker(round_id)  # as the worker closes: release, commit, scrub
        db.session.expire_all()

        # Copy 2, after the close: the responses in their physical order, with their content.
        responses = ranked(db.session.execute(sa.text(
            f"SELECT {physical}{'::text' if is_pg else ''}, id FROM response WHERE round_id = :r"), {"r": round_id}).all())
        values: dict[str, dict[str, int]] = {}
        for response_id, key, value in db.session.execute(
                sa.select(ResponseAnswer.response_id, ResponseAnswer.item_key, ResponseAnswer.value)
                .where(ResponseAnswer.response_id.in_(responses), ResponseAnswer.item_key.in_(STATEMENTS))):
            values.setdefault(response_id, {})[key] = value
        whose = [_person_of(values[r]) for r in responses]
        assert sorted(whose) == list(range(PEOPLE))
        # Ballot → response: the k-th ballot (by position, or by id) is the k-th response.
        for name, guess in guesses.items():
            for order in (ballots_by_position, ballots_by_id):
                predicted = [guess.get(b) for b in order]
                assert matches(predicted, whose) <= CHANCE_BOUND, (name, predicted, whose)

        # And a copy after close holds no ballot: not as a row, nor in the file.
        assert db.session.scalar(sa.select(sa.func.count()).where(Ballot.round_id == round_id)) == 0
        _assert_no_ballot_bytes(app, seen_ballots)


def _assert_no_ballot_bytes(app, sealed: set[bytes]) -> None:
    """Every ballot ever stored (before and after mixing) is gone from the files."""
    if db.engine.dialect.name == "postgresql":
        # VACUUM FULL wrote the table anew: with no ballot left, it has no pages at all, and
        # neither has its TOAST table (where ballots of this size live).
        sizes = db.session.execute(sa.text(
            "SELECT pg_relation_size('ballot'), pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'ballot'")).one()
        if db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0:
            assert tuple(sizes) == (0, 0)
        return
    content = sqlite_files()
    for blob in sealed:
        assert blob[12:60] not in content  # 48 bytes of ciphertext: never there by chance


def test_customers_through_personal_links_cannot_be_linked_to_their_address(app):
    """A personal link's use and the customer's answers share no row, no transaction alone and no
    order; after close the addresses are gone from the files (SQLite) or the table was written
    anew without their old versions (PostgreSQL)."""
    with committed_tenant(app, "klantkopie") as tenant:
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
        services.open_round(round_)
        db.session.commit()
        emails = [f"klant{n}@klantkopie.example.org" for n in range(CUSTOMERS)]
        with app.test_request_context():
            customer_responses.invite_customers(round_, emails)
        db.session.commit()
        round_id = round_.id
        invitations = list(db.session.scalars(sa.select(CustomerInvitation).where(CustomerInvitation.round_id == round_id)
                                              .order_by(CustomerInvitation.id)))
        for n, invitation in enumerate(invitations):
            customer_responses.submit_customer_response(db.session.get(Round, round_id), _customer_signature(n), f"Opmerking {n}",
                                              "nl", invitation)
            db.session.commit()
        # While open: no customer response exists, only ballots that say nothing in the clear.
        assert db.session.scalar(sa.select(sa.func.count()).where(CustomerResponse.round_id == round_id)) == 0
        sealed = db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_id)).all()
        assert len(sealed) == CUSTOMERS and all(b"Opmerking" not in s for s in sealed)
        assert len({len(s) for s in sealed}) == 1  # one length, whatever the comment
        used_order = [n for n, _inv in enumerate(invitations)]  # they answered in invitation order
        filenode = _filenode("customer_invitation")

        publication.close_by_worker(round_id)
        db.session.expire_all()
        physical = physical_position()
        is_pg = db.engine.dialect.name == "postgresql"
        responses = ranked(db.session.execute(sa.text(
            f"SELECT {physical}{'::text' if is_pg else ''}, id FROM customer_response WHERE round_id = :r"),
            {"r": round_id}).all())
        m1 = dict(db.session.execute(sa.select(CustomerAnswer.customer_response_id, CustomerAnswer.value).where(
            CustomerAnswer.customer_response_id.in_(responses), CustomerAnswer.item_key == "mirror.m1.customer")).all())
        m2 = dict(db.session.execute(sa.select(CustomerAnswer.customer_response_id, CustomerAnswer.value).where(
            CustomerAnswer.customer_response_id.in_(responses), CustomerAnswer.item_key == "mirror.m2.customer")).all())
        whose = [(m1[r] - 1) % 10 + (m2[r] - 1) * 10 for r in responses]
        assert sorted(whose) == list(range(CUSTOMERS))
        assert matches(used_order, whose) <= CHANCE_BOUND
        assert db.session.scalars(sa.select(CustomerInvitation.email).where(
            CustomerInvitation.round_id == round_id)).all() == [None] * CUSTOMERS
        if is_pg:
            assert _filenode("customer_invitation") != filenode  # rewritten: no old row version left
        else:
            content = sqlite_files()
            assert not any(email.encode() in content for email in emails)
        _assert_no_ballot_bytes(app, set(sealed))


def _filenode(table: str) -> int | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(sa.text("SELECT pg_relation_filenode(:t)"), {"t": table})


def test_every_sealed_value_has_one_length(app, world, open_round):
    """A colleague who answered mostly "weet ik niet" seals as many bytes as one who answered
    everything: the draft, the own result and the ballot."""
    inviting.invite_employees(open_round)
    first, second = db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()[:2]
    lengths = []
    with app.test_request_context():
        for invitation, answers in ((first, full_answers()),
                                    (second, {k: ("dk" if not k.startswith("quiz.") else v)
                                              for k, v in full_answers().items()})):
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, answers)
            draft = invitation.sealed_draft
            submission.submit_response(invitation, token)
            lengths.append((len(draft), len(invitation.sealed_result)))
    assert lengths[0] == lengths[1]
    assert len({len(s) for s in db.session.scalars(sa.select(Ballot.sealed))}) == 1


def test_ballots_are_mixed_in_batches_of_the_minimum(app, world):
    """Below the minimum a ballot waits as cast; at the minimum the batch is written again,
    with new ids and new bytes, in a random order."""
    for _ in range(6):
        member(world.ours.org, OrgRole.EMPLOYEE, world.ours.department)
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3), min_group_size=5))
    services.open_round(round_)
    inviting.invite_employees(round_)
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)).all()
    before = []
    with app.test_request_context():
        for n, invitation in enumerate(invitations[:5]):
            if n == 4:
                before = db.session.execute(sa.select(Ballot.id, Ballot.sealed)).all()
                assert len(before) == 4 and all(b is None for b in db.session.scalars(sa.select(Ballot.batch)))
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, _signature(n))
            submission.submit_response(invitation, token)
    after = db.session.execute(sa.select(Ballot.id, Ballot.sealed, Ballot.batch)).all()
    assert len(after) == 5 and len({b for _i, _s, b in after}) == 1 and after[0][2] is not None
    assert not {i for i, _s in before} & {i for i, _s, _b in after}
    assert not {s for _i, s in before} & {s for _i, s, _b in after}
    publication.close(round_)
    released = db.session.scalars(sa.select(Response.id).where(Response.round_id == round_.id)).all()
    assert sorted(_person_of({a.item_key: a.value for a in db.session.scalars(
        sa.select(ResponseAnswer).where(ResponseAnswer.response_id == r))}) for r in released) == list(range(5))


@pytest.fixture
def open_round(world):
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="Meting", opens_on=date.today(), closes_on=date.today() + timedelta(days=9)))
    for _ in range(4):
        member(world.ours.org, OrgRole.EMPLOYEE, world.ours.department)
    services.open_round(round_)
    db.session.flush()
    return round_
