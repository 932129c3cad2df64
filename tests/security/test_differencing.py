"""The curious director who differences published figures (issue #24): two rounds that differ by
one person, and the consultancy benchmark read before and after another client publishes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.extensions import db
from maturity.models_base import utcnow
from maturity.progress import benchmark
from maturity.progress.services import consultancy_benchmark, organisation_progress
from maturity.rounds import services
from maturity.rounds import inviting
from maturity.results import publication
from maturity.rounds.models import Invitation, Round
from maturity.tenancy.models import OrgRole

from ..factories import DepartmentFactory, OrganisationFactory, member
from ..helpers import bulk_other_responses


def _people(org, department, n):
    return [member(org, OrgRole.EMPLOYEE, department) for _ in range(n)]


def _new_round(org, title, *, departments=(), opens=None, days=14, minimum=5):
    opens = opens or date.today()
    return services.create_round(org, services.RoundSettings(
        title=title, opens_on=opens, closes_on=opens + timedelta(days=days), min_group_size=minimum,
        department_ids=tuple(d.id for d in departments)))


# Two rounds that differ by one person ---------------------------------------------------------

def test_two_rounds_that_differ_by_one_person_cannot_both_run(client, auth, world):
    """The attack from the issue: the director makes a one-person department and leaves it out
    of a second round in the same period. The second round does not open, and says why."""
    org = world.ours.org
    wonen = DepartmentFactory(organisation_id=org.id, name="Wonen")
    alone = DepartmentFactory(organisation_id=org.id, name="Secretariaat")
    _people(org, wonen, 8)
    _people(org, alone, 1)
    first = _new_round(org, "Iedereen")
    services.open_round(first)
    inviting.invite_employees(first)
    second = _new_round(org, "Iedereen behalve één", departments=(world.ours.department, wonen))
    db.session.flush()
    auth.login(world.ours.director)
    page = client.submit(f"/o/{org.slug}/rounds/{second.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "“Iedereen”" in page and "met 1" in page and "minstens 5" in page, page
    db.session.expire_all()
    assert db.session.get(Round, second.id).is_draft
    assert db.session.scalar(sa.select(sa.func.count()).where(Invitation.round_id == second.id)) == 0


def test_rounds_of_one_period_may_invite_the_same_people_or_groups_apart(world):
    org = world.ours.org
    wonen = DepartmentFactory(organisation_id=org.id, name="Wonen")
    verhuur = DepartmentFactory(organisation_id=org.id, name="Verhuur")
    _people(org, wonen, 6)
    _people(org, verhuur, 5)
    first = _new_round(org, "Alles")
    services.open_round(first)
    inviting.invite_employees(first)
    same = _new_round(org, "Pulsmeting")
    services.open_round(same)  # the same people: allowed
    inviting.invite_employees(same)
    without_verhuur = _new_round(org, "Zonder verhuur", departments=(world.ours.department, wonen))
    services.open_round(without_verhuur)  # five fewer: a group of the minimum, allowed


def test_a_department_that_differs_by_one_is_refused_too(world):
    """Moving one person from one department to another keeps the whole the same, but would
    show that person's answers in each department's difference."""
    org = world.ours.org
    wonen = DepartmentFactory(organisation_id=org.id, name="Wonen")
    verhuur = DepartmentFactory(organisation_id=org.id, name="Verhuur")
    _people(org, wonen, 6)
    moved = _people(org, verhuur, 6)[0]
    first = _new_round(org, "Voor")
    services.open_round(first)
    inviting.invite_employees(first)
    moved.membership.department_id = wonen.id
    db.session.flush()
    second = _new_round(org, "Na")
    with pytest.raises(services.PopulationConflict) as refused:
        services.open_round(second)
    assert refused.value.department in ("Wonen", "Verhuur") and refused.value.difference == 1


def test_inviting_one_more_or_answering_oneself_is_checked_as_well(world):
    org = world.ours.org
    _people(org, world.ours.department, 6)
    first = _new_round(org, "Eerste")
    services.open_round(first)
    inviting.invite_employees(first)
    second = _new_round(org, "Tweede")
    services.open_round(second)
    inviting.invite_employees(second)
    # A director answering in one round only would be one person apart.
    with pytest.raises(services.PopulationConflict):
        inviting.invite_self(second, world.ours.director.id)
    # A newcomer invited to one round only likewise.
    _people(org, world.ours.department, 1)
    with pytest.raises(services.PopulationConflict):
        inviting.invite_employees(second)


def test_rounds_a_month_apart_are_free_to_differ(world):
    org = world.ours.org
    _people(org, world.ours.department, 6)
    earlier = _new_round(org, "Voorjaar", opens=date.today() - timedelta(days=80), days=20)
    services.open_round(earlier)
    inviting.invite_employees(earlier)
    earlier.opened_at = utcnow() - timedelta(days=80)
    publication.close(earlier, at=utcnow() - timedelta(days=60))
    _people(org, world.ours.department, 1)  # someone joined since
    later = _new_round(org, "Najaar")
    services.open_round(later)
    assert inviting.invite_employees(later) == 8  # 7 employees and the fixture's one


def test_a_round_opened_early_for_a_later_start_may_invite_as_it_was_allowed_to_open(world):
    """A round opened today that starts when the period of the round before it is over: the
    check that let it open (from its start) is the check its invitations meet, not one from the
    day the button was pressed (the analyst's finding: it opened, then every invitation was
    refused with "start from <its own start date>", leaving an open round with nobody in it)."""
    org = world.ours.org
    _people(org, world.ours.department, 6)
    earlier = _new_round(org, "Najaar", opens=date.today() - timedelta(days=20), days=19)
    services.open_round(earlier)
    inviting.invite_employees(earlier)
    earlier.opened_at = utcnow() - timedelta(days=20)
    publication.close(earlier, at=utcnow() - timedelta(days=1))
    _people(org, world.ours.department, 2)  # two people joined since
    free_from = date.today() + timedelta(days=30)
    too_soon = _new_round(org, "Winter, te vroeg", opens=free_from - timedelta(days=1))
    with pytest.raises(services.PopulationConflict) as refused:
        services.open_round(too_soon)
    assert refused.value.free_from == free_from
    later = _new_round(org, "Winter", opens=free_from)
    services.open_round(later)
    assert inviting.invite_employees(later) == 9  # 8 employees and the fixture's one


# The benchmark ---------------------------------------------------------------------------------

def _client(world, n, seed):
    org = OrganisationFactory(consultancy=world.ours.consultancy, name=f"Klant {n}", slug=f"benchmark-{n}")
    round_ = _new_round(org, "Meting", opens=date.today() - timedelta(days=30))
    services.open_round(round_)
    bulk_other_responses(round_, 8, seed)
    db.session.flush()
    return org


def test_the_benchmark_moves_only_when_six_clients_changed(world):
    """The attack from the issue: read the benchmark before and after one other client
    publishes, and work out that client's means from the two averages and their counts."""
    ours = world.ours.org
    mine = _new_round(ours, "Onze", opens=date.today() - timedelta(days=30))
    services.open_round(mine)
    bulk_other_responses(mine, 8, 1)
    for n in range(5):
        _client(world, n, 10 + n)
    point = organisation_progress(ours).points[-1]
    assert consultancy_benchmark(ours, point)["skills"].organisations == 5  # six contributed at once
    before = consultancy_benchmark(ours, point)
    # One more client publishes: the benchmark stands still, so the difference is nothing.
    _client(world, 5, 20)
    assert consultancy_benchmark(ours, point) == before
    # Nor do four more move it (five changed since the snapshot: no step yet)...
    for n in range(6, 10):
        _client(world, n, 20 + n)
    assert consultancy_benchmark(ours, point) == before
    # ...the sixth does: a step that mixes the results of six clients, five of them others.
    _client(world, 10, 40)
    after = consultancy_benchmark(ours, point)
    assert after["skills"].organisations == 11 and after != before


def test_a_difference_between_two_steps_never_rests_on_fewer_than_five_others(world):
    """Whoever reads: each step changes the figures of at least six clients, so without the
    reader's own at least five others."""
    snapshots = []
    for n in range(14):
        _client(world, n, 50 + n)
        latest = benchmark.latest(world.ours.consultancy.id)
        if latest is not None and (not snapshots or snapshots[-1].id != latest.id):
            snapshots.append(latest)
    assert len(snapshots) == 2
    for earlier, later in zip([None] + snapshots, snapshots):
        changed = benchmark.changed(earlier.contributions if earlier else {}, later.contributions)
        for reader in changed | {"nobody"}:
            assert len(changed - {reader}) >= benchmark.MINIMUM
