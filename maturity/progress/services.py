"""Progress between rounds (with the previous plan's actions and the benchmark) and the consultancy's
portfolio, from the rounds' headlines (``results.history``).

Neither the number of queries nor their cost grows with the number of responses; the
portfolio's does not grow with the number of clients either (everything is read per round
in one query).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timezone

import sqlalchemy as sa

from ..core import Phase
from ..core.progress import Benchmark, Change
from ..extensions import db
from ..plans.models import ActionItem, ActionPlan
from ..rounds.models import Round, RoundStatus, in_history_order, published_up_to
from ..results.history import ItemChange, RoundPoint, compare, round_points
from ..results.publication import published as round_published
from . import benchmark as benchmark_snapshots
from ..tenancy.models import Organisation


@dataclass
class Progress:
    points: list[RoundPoint]
    dimension_changes: dict[str, Change | None]
    item_changes: list[ItemChange]
    versions_differ: bool
    shared_item_count: int
    carried: list[ActionItem]
    carried_from: str | None
    benchmark: dict[str, Benchmark | None]


def organisation_progress(org: Organisation, up_to: Round | None = None) -> Progress:
    """Progress over the organisation's rounds (up to and including ``up_to``, for a report)."""
    rounds = in_history_order(list(db.session.scalars(
        sa.select(Round).where(Round.organisation_id == org.id, Round.status != RoundStatus.DRAFT))))
    if up_to is not None:
        # A report compares only with what was published before it: never a later round.
        rounds = published_up_to(up_to, rounds)
    points = round_points(rounds, with_items=True)
    shown = [p for p in points if p.is_shown]
    comparison = compare(shown)
    carried, carried_from = [], None
    if len(rounds) >= 2:
        previous_round = rounds[-2]
        plan = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == previous_round.id))
        if plan is not None:
            carried = sorted((i for i in plan.items if not i.is_removed), key=lambda i: i.position)
            carried_from = previous_round.title
    as_of = up_to.published_order if up_to is not None and up_to.is_published else None
    return Progress(points, comparison.dimension_changes, comparison.item_changes, comparison.versions_differ,
                    comparison.shared_item_count, carried, carried_from,
                    consultancy_benchmark(org, shown[-1] if shown else None, as_of=as_of))


@dataclass
class LatestPoints:
    """An organisation's latest round (open or published) and its two latest published rounds."""

    latest: RoundPoint | None = None
    published: RoundPoint | None = None
    previous_published: RoundPoint | None = None


def latest_points_of(organisation_ids: list[int], published_by: tuple | None = None) -> dict[int, LatestPoints]:
    """Per organisation: its latest non-draft round and its two latest published rounds,
    aggregated in one go. While a new round is open the published ones still carry the phase
    and the trend: an open round has no results until it closes."""
    rounds = list(db.session.scalars(
        sa.select(Round).where(Round.organisation_id.in_(organisation_ids), Round.status != RoundStatus.DRAFT)
        .order_by(Round.organisation_id, Round.opens_on, Round.id)))
    by_org: dict[int, list[Round]] = defaultdict(list)
    for r in rounds:
        by_org[r.organisation_id].append(r)
    by_org = defaultdict(list, {org_id: in_history_order(rs) for org_id, rs in by_org.items()})
    if published_by is not None:  # as things stood then: nothing published later, nothing open
        by_org = defaultdict(list, {org_id: [r for r in rs if r.is_published and r.published_order[0] <= published_by[0]]
                                    for org_id, rs in by_org.items()})
    chosen = {org_id: (rs[-1:], [r for r in rs if r.is_published][-2:]) for org_id, rs in by_org.items()}
    wanted = {r.id: r for latest, published in chosen.values() for r in latest + published}
    points = {p.round_id: p for p in round_points(list(wanted.values()))}
    result = {}
    for org_id in organisation_ids:
        latest, published = chosen.get(org_id, ([], []))
        result[org_id] = LatestPoints(
            latest=points[latest[0].id] if latest else None,
            published=points[published[-1].id] if published else None,
            previous_published=points[published[-2].id] if len(published) >= 2 else None,
        )
    return result


def consultancy_benchmark(org: Organisation, current: RoundPoint | None,
                          as_of: tuple | None = None) -> dict[str, Benchmark | None]:
    """Each dimension against the average of the consultancy's *other* clients, as the
    benchmark's snapshot stood (``progress.benchmark``); no client is ever named. ``as_of`` (a
    round's ``published_order``): the snapshot that stood when that round was published, so a
    report says the same later."""
    if current is None:
        return {}
    moment = as_of[0].replace(tzinfo=timezone.utc) if as_of else None
    return benchmark_snapshots.for_organisation(org.consultancy_id, org.id, moment)


def benchmark_contributions(consultancy_id: int) -> dict[str, dict]:
    """Per client organisation with a shown published round: that round and its means."""
    org_ids = list(db.session.scalars(sa.select(Organisation.id).where(Organisation.consultancy_id == consultancy_id)))
    result = {}
    for org_id, points in latest_points_of(org_ids).items():
        point = points.published if points.published and points.published.is_shown else None
        if point is not None:
            result[str(org_id)] = {"round": point.round_id} | {
                d: (point.profile.get(d).mean if point.profile.get(d) else None) for d in benchmark_snapshots.DIMENSIONS}
    return result


@round_published.connect
def _benchmark_after_publication(round_: Round) -> None:
    """In the closing transaction: the benchmark moves on if enough clients changed."""
    org = db.session.get(Organisation, round_.organisation_id)
    benchmark_snapshots.take_if_due(org.consultancy_id, benchmark_contributions(org.consultancy_id), round_.closed_at)


@dataclass
class PortfolioRow:
    organisation: Organisation
    #: The latest round, open or published: its response rate is what a consultant follows.
    latest: RoundPoint | None
    #: The latest published round and the one before it: the phase and the trend.
    published: RoundPoint | None = None
    previous: RoundPoint | None = None

    @property
    def phase(self) -> Phase | None:
        return self.published.phase if self.published else None

    @property
    def is_next_round_running(self) -> bool:
        """A newer round than the published one is open: its results come at close."""
        return bool(self.latest and not self.latest.is_published and self.published)

    @property
    def response_rate(self) -> float | None:
        if not self.latest or not self.latest.n_invited:
            return None
        return self.latest.n_submitted / self.latest.n_invited

    @property
    def trend(self) -> int | None:
        """+1 / 0 / −1: the phase of the latest published round against the one before;
        None when either is unknown."""
        if not self.published or not self.previous or not self.published.phase or not self.previous.phase:
            return None
        return (self.published.phase > self.previous.phase) - (self.published.phase < self.previous.phase)


def portfolio(consultancy_id: int) -> list[PortfolioRow]:
    organisations = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.consultancy_id == consultancy_id).order_by(Organisation.name)))
    latest = latest_points_of([o.id for o in organisations])
    return [PortfolioRow(o, points.latest, points.published, points.previous_published)
            for o in organisations for points in [latest.get(o.id, LatestPoints())]]
