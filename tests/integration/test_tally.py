"""The published aggregates (``results.tally``): maintained at release, equal to a full
recomputation from the raw answers, and the only thing the results surfaces read.

Runs on SQLite and PostgreSQL (the recomputation is grouped SQL; the maintained tally is
added up in Python while the ballots are released)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.core import DONT_KNOW
from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.results import tally
from maturity.results.services import round_results
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.results import publication
from maturity.rounds.models import CustomerInvitation, Invitation, Round
from maturity.rounds.questionnaire import allowed_values, customer_keys
from maturity.tenancy.models import OrgRole

from ..factories import DepartmentFactory, member

INSTRUMENT = load_instrument()


def _random_answers(rng: random.Random, dont_know_rate: float) -> dict[str, str]:
    answers = {}
    for key in INSTRUMENT.employee_answer_keys():
        values = sorted(allowed_values(INSTRUMENT, key) - {DONT_KNOW})
        can_skip = DONT_KNOW in allowed_values(INSTRUMENT, key)
        answers[key] = DONT_KNOW if can_skip and rng.random() < dont_know_rate else rng.choice(values)
    return answers


def _published_round(world, app, seed: int, *, sizes: dict[str, int], share: float, customers: int,
                     personal: int, dont_know_rate: float) -> Round:
    """A round played through the product: invited, answered through the ballot box (some not
    at all), customers through the public and personal links, then closed."""
    rng = random.Random(seed)
    org = world.ours.org
    for name, size in sizes.items():
        department = DepartmentFactory(organisation_id=org.id, name=f"{name} {seed}")
        for _ in range(size):
            member(org, OrgRole.EMPLOYEE, department)
    with app.test_request_context():
        round_ = services.create_round(org, services.RoundSettings(
            title=f"Meting {seed}", opens_on=date.today(), closes_on=date.today() + timedelta(days=9),
            min_group_size=5, min_comment_group_size=10))
        services.open_round(round_)
        inviting.invite_employees(round_)
        invitations = list(db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)))
        for invitation in invitations:
            if rng.random() < share:
                token = links.invitation_token(invitation.id, invitation.nonce)
                submission.save_answers(invitation, token, _random_answers(rng, dont_know_rate))
                submission.submit_response(invitation, token)
        keys = customer_keys(INSTRUMENT)

        def customer_answers():
            return {k: DONT_KNOW if rng.random() < dont_know_rate else str(rng.randint(1, 10)) for k in keys}

        for _ in range(customers):
            customer_responses.submit_customer_response(round_, customer_answers(), rng.choice(["", "Prima", "Traag"]), "nl")
        customer_responses.invite_customers(round_, [f"klant{i}@example.org" for i in range(personal)])
        for invitation in db.session.scalars(sa.select(CustomerInvitation).where(CustomerInvitation.round_id == round_.id)):
            customer_responses.submit_customer_response(round_, customer_answers(), "", "en", invitation=invitation)
        publication.close(round_)
    db.session.flush()
    return round_


CASES = [
    # departments (name -> people), share answering, customers (public, personal), "weet ik niet" rate
    dict(sizes={"Wonen": 14, "Zorg": 9, "Klein": 3}, share=0.8, customers=7, personal=4, dont_know_rate=0.1),
    dict(sizes={"Alles": 30}, share=1.0, customers=0, personal=0, dont_know_rate=0.0),
    dict(sizes={"Wonen": 6, "Bouw": 6}, share=0.7, customers=2, personal=0, dont_know_rate=0.45),
    dict(sizes={"Een": 4}, share=1.0, customers=0, personal=0, dont_know_rate=0.2),  # below every minimum
]


@pytest.mark.parametrize("seed,case", list(enumerate(CASES)))
def test_the_maintained_tally_equals_a_full_recomputation(app, world, seed, case):
    round_ = _published_round(world, app, seed, **case)
    maintained = tally.stored([round_.id])[round_.id]
    recomputed = tally.computed_from_answers(round_)
    assert maintained == recomputed  # identical, not close: every stored value is exact
    assert maintained[tally.ROUND, "responses"][0] == sum(
        1 for i in db.session.scalars(sa.select(Invitation.submitted_at).where(Invitation.round_id == round_.id)) if i)
    # A rebuild finds nothing to change and leaves the results version alone.
    version = round_.results_version
    assert tally.rebuild(round_).changed is False and round_.results_version == version == 1


def test_a_rebuild_restores_a_damaged_tally_and_bumps_the_results_version(app, world):
    round_ = _published_round(world, app, 7, **CASES[0])
    before = round_results(round_)
    db.session.execute(sa.update(tally.RoundTally).where(tally.RoundTally.round_id == round_.id,
                                                         tally.RoundTally.key == "score:skills")
                       .values(total=tally.RoundTally.total + 500))
    assert round_results(round_).profile.skills != before.profile.skills  # the page reads the tally
    report = tally.rebuild(round_)
    assert report.changed and round_.results_version == 2
    assert round_results(round_) == before


def test_results_surfaces_read_the_tally_not_the_answers(app, client, auth, world):
    """No results surface touches the responses or answers: their cost cannot depend on how
    many there are."""
    round_ = _published_round(world, app, 11, **CASES[0])
    auth.login(world.ours.director)
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.lower())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for suffix in ("results", "results.csv", "results.xlsx", "progress/"):
            base = f"/o/{world.ours.org.slug}/" + ("" if suffix == "progress/" else f"rounds/{round_.id}/")
            assert client.get(base + suffix).status_code == 200
        auth.logout()
        auth.login(world.ours.consultant)
        assert client.get(f"/c/{world.ours.consultancy.slug}/portfolio/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # The comments are words, not figures: they are read as they are (the customers' from
    # customer_response, the employees' from response), and nothing else of the answers is.
    comments = ("select response.comment \nfrom response", "select customer_response.comment \nfrom customer_response")
    touching = [s for s in statements if (" response" in s or "response_answer" in s or "customer_answer" in s)
                and not s.startswith(comments)]
    assert touching == []


def test_a_round_without_a_tally_is_computed_from_its_answers(app, world):
    """Rounds published before tallies existed still show the right figures."""
    round_ = _published_round(world, app, 12, **CASES[0])
    before = round_results(round_)
    db.session.execute(sa.delete(tally.RoundTally).where(tally.RoundTally.round_id == round_.id))
    assert round_results(round_) == before
    assert tally.rebuild(round_).changed and tally.stored([round_.id])[round_.id] == tally.computed_from_answers(round_)


def test_the_rebuild_command_checks_and_repairs(app, world):
    round_ = _published_round(world, app, 14, **CASES[2])
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["rebuild-tallies", "--check"])
    assert ok.exit_code == 0 and "0 round(s) differ" in ok.output
    db.session.execute(sa.delete(tally.RoundTally).where(tally.RoundTally.round_id == round_.id,
                                                         tally.RoundTally.grp == tally.CUSTOMERS))
    db.session.commit()
    bad = runner.invoke(args=["rebuild-tallies", "--check"])
    assert bad.exit_code == 1 and f": {round_.id}" in bad.output
    fixed = runner.invoke(args=["rebuild-tallies"])
    assert fixed.exit_code == 0 and f"1 rebuilt: {round_.id}." in fixed.output
    assert runner.invoke(args=["rebuild-tallies", "--check"]).exit_code == 0


def test_a_second_close_that_waited_for_the_first_changes_nothing(app, world):
    """A double click, a retry after a timeout or the schedule closing the same round: the
    second close loaded the round while it was still open, then waited for the first one's
    lock. It must be refused, not publish an empty ballot box over the real results."""
    round_ = _published_round(world, app, 21, sizes={"Wonen": 8}, share=1.0, customers=0, personal=0,
                              dont_know_rate=0.0)
    before = tally.stored([round_.id])[round_.id]
    assert before[tally.ROUND, "responses"][0] == 9  # with the world's own employee
    # The second request's view of the round: loaded before the first close committed.
    from maturity.rounds.models import RoundStatus

    stale = db.session.get(Round, round_.id)
    sa.orm.attributes.set_committed_value(stale, "status", RoundStatus.OPEN)
    with pytest.raises(services.RoundStateError):
        publication.close(stale)
    assert tally.stored([round_.id])[round_.id] == before
