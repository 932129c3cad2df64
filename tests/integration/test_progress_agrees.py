"""Progress, portfolio and benchmark read the results' own headline: for every round, every
surface shows the same profile and the same phase (``results.services.headline``).

The progress used to rebuild the profile, the departments and the placement itself; it did
not hide the departments that the segment rule hid, so a department shown nowhere could decide
the phase on the progress page and the portfolio while the results said otherwise."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from maturity.core import Phase
from maturity.extensions import db
from maturity.instrument import load_instrument
from maturity.progress.services import latest_points_of, organisation_progress
from maturity.results.history import round_points
from maturity.results import publication
from maturity.results.services import round_results
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.rounds.models import Invitation, Round
from maturity.rounds.questionnaire import customer_keys
from maturity.segments.models import MemberSegment, Segment, SegmentValue
from maturity.tenancy.models import Department, Organisation, OrganisationMembership, OrgRole

from ..factories import DepartmentFactory, OrganisationFactory, member

INSTRUMENT = load_instrument()
#: The best option of each quiz question (the highest score).
BEST = {q.key: max(q.options, key=lambda o: o.score).key for q in INSTRUMENT.quiz.questions}


def _answers(rng: random.Random, *, culture: int, other: int) -> dict[str, str]:
    answers = dict(BEST)
    for section in INSTRUMENT.likert_sections:
        level = culture if section.key == "culture" else other
        for item in section.items:
            value = min(section.scale.max, max(section.scale.min, level + rng.choice((-1, 0, 0, 0))))
            # The statement means the same for every respondent: reverse-keyed items mirrored.
            answers[item.key] = str(section.scale.min + section.scale.max - value if item.reverse else value)
    for item in INSTRUMENT.mirror.items:
        answers[item.answer_key("self")] = str(min(10, 8 + rng.choice((0, 1))))
        answers[item.answer_key("estimate")] = str(min(10, 8 + rng.choice((0, 1))))
    return answers


def _round(app, org: Organisation, people: list[tuple[str, str, int]], *, customers: int, rng: random.Random,
           other: int = 5, customer_mark: int = 9) -> Round:
    """A published round of ``org``: ``people`` are (department, service, culture level) per
    employee, a "Dienst" segment of services, ``customers`` customers per service."""
    known = {d.name: d for d in db.session.scalars(sa.select(Department).where(Department.organisation_id == org.id))}
    departments = {name: known.get(name) or DepartmentFactory(organisation_id=org.id, name=name)
                   for name in {p[0] for p in people}}
    segment = db.session.scalar(sa.select(Segment).where(Segment.organisation_id == org.id, Segment.name == "Dienst"))
    if segment is None:
        segment = Segment(organisation_id=org.id, name="Dienst", is_service=True)
        db.session.add(segment)
    names = {v.name for v in segment.values}
    segment.values += [SegmentValue(organisation_id=org.id, name=name) for name in sorted({p[1] for p in people} - names)]
    db.session.flush()
    value = {v.name: v for v in segment.values if v.name in {p[1] for p in people}}
    culture_of = {}
    for department, service, culture in people:
        user = member(org, OrgRole.EMPLOYEE, departments[department])
        membership = db.session.scalar(sa.select(OrganisationMembership).where(
            OrganisationMembership.user_id == user.id, OrganisationMembership.organisation_id == org.id))
        db.session.add(MemberSegment(membership_id=membership.id, segment_id=segment.id, value_id=value[service].id))
        culture_of[user.id] = culture
    db.session.flush()
    with app.test_request_context():
        round_ = services.create_round(org, services.RoundSettings(
            title=f"Meting {rng.random():.6f}", opens_on=date.today(), closes_on=date.today() + timedelta(days=9),
            min_group_size=5, min_comment_group_size=10))
        services.open_round(round_)
        inviting.invite_employees(round_)
        for invitation in db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_.id)):
            if invitation.user_id not in culture_of:
                continue  # the organisation's own director does not answer
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, _answers(rng, culture=culture_of[invitation.user_id], other=other))
            submission.submit_response(invitation, token)
        keys = customer_keys(INSTRUMENT)
        for service in value.values():
            for _ in range(customers):
                answers = {k: str(min(10, customer_mark + rng.choice((-1, 0, 0)))) for k in keys}
                customer_responses.submit_customer_response(round_, answers, "", "nl", service_id=service.id)
        publication.close(round_)
    db.session.flush()
    return round_


def _assert_agree(rounds: list[Round]) -> None:
    """Each round read as the results read it, and as the progress, the portfolio and the
    organisation's progress read it: one profile, one phase."""
    points = {p.round_id: p for p in round_points(rounds)}
    for round_ in rounds:
        results = round_results(round_)
        point = points[round_.id]
        assert point.is_shown == (results.placement is not None)
        if results.placement is None:
            continue
        assert point.profile == results.profile, round_.title
        assert point.phase == results.placement.phase, round_.title
    by_org: dict[int, list[Round]] = {}
    for round_ in rounds:
        by_org.setdefault(round_.organisation_id, []).append(round_)
    latest = latest_points_of(list(by_org))
    for org_id, org_rounds in by_org.items():
        org = db.session.get(Organisation, org_id)
        progress = organisation_progress(org)
        for p in progress.points:
            if p.is_shown:
                assert p.phase == round_results(db.session.get(Round, p.round_id)).placement.phase
        published = latest[org_id].published
        if published is not None and published.is_shown:
            assert published.phase == round_results(db.session.get(Round, published.round_id)).placement.phase


def test_a_department_the_segment_rule_hid_decides_no_phase_anywhere(app, world):
    """Two departments of at least five, shown in a plain table, but one person of Beheer works
    for Reparaties: beside that service the rule would isolate them, so it hides the departments.
    Beheer's culture (50) is below klantbekwaam's 70 for every shown department, the whole
    organisation's (82) is not: the results, which show no department, place the organisation in
    klantbekwaam; the progress and the portfolio, which counted Beheer, said klantbewust."""
    org = world.ours.org
    rng = random.Random(27)
    people = [("Wonen", "Reparaties", 5)] * 20 + [("Beheer", "Reparaties", 3)] + [("Beheer", "Verhuur", 3)] * 5
    round_ = _round(app, org, people, customers=5, rng=rng)
    results = round_results(round_)
    assert {d.name for d in results.departments if not d.is_visible} == {"Wonen", "Beheer"}
    assert results.placement.phase is Phase.KLANTBEKWAAM
    _assert_agree([round_])


@pytest.mark.parametrize("seed", range(6))
def test_progress_and_results_agree_on_random_rounds(app, world, seed):
    rng = random.Random(seed)
    rounds = []
    for _ in range(2):
        org = OrganisationFactory(consultancy=world.ours.org.consultancy)
        people = [(rng.choice(["A", "B", "C"]), rng.choice(["X", "Y"]), rng.randint(2, 5)) for _ in range(rng.randint(8, 26))]
        rounds.append(_round(app, org, people, customers=rng.choice([0, 3, 6]), rng=rng, other=rng.randint(3, 5),
                             customer_mark=rng.randint(5, 9)))
    _assert_agree(rounds)


def test_progress_and_results_agree_on_every_round_of_the_demo(app, db):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    rounds = list(db.session.scalars(sa.select(Round).where(Round.closed_at.is_not(None))))
    assert len(rounds) >= 4
    _assert_agree(rounds)
