"""Progress between rounds and the consultancy's portfolio, from the rounds' published tallies.

Neither the number of queries nor their cost grows with the number of responses; the
portfolio's does not grow with the number of clients either (everything is read per round
in one query).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timezone

import sqlalchemy as sa

from ..core import DEFAULT, DimensionStats, GroupProfile, Phase, profile_gaps
from ..core.progress import Benchmark, Change, change, shared_keys
from ..extensions import db
from ..instrument import load_instrument
from ..plans.models import ActionItem, ActionPlan
from ..results.services import (
    headline,
    customer_stats,
    dimension_stats,
    item_sums,
    tallies,
    tally_row,
)
from ..results.segment_tally import shown_groups_of
from ..results.tally import ROUND
from ..rounds.models import Invitation, Round, RoundStatus, in_history_order, published_up_to
from ..results.publication import published as round_published
from . import benchmark as benchmark_snapshots
from ..tenancy.models import Organisation

TREND_DIMENSIONS = ("skills", "leadership", "culture", "mirror_self", "mirror_customer")
#: The mirror ratings are followed as report marks (one decimal), as every other surface shows
#: them; the scores on their 0..100 index.
MARK_DIMENSIONS = ("mirror_self", "mirror_estimate", "mirror_customer")


def dimension_value(dimension: str, stats: DimensionStats | None) -> tuple[float, int] | None:
    """A dimension's mean in the unit it is shown in, with its digits."""
    if stats is None:
        return None
    if dimension in MARK_DIMENSIONS:
        return DEFAULT.index_to_mark(stats.mean), 1
    return stats.mean, 0


def dimension_change(dimension: str, previous: DimensionStats | None, current: DimensionStats | None) -> Change | None:
    """A dimension's change, judged and shown in its own unit (a mark for the mirror ratings)."""
    if dimension in MARK_DIMENSIONS:
        return change(previous, current, display=DEFAULT.index_to_mark, digits=1)
    return change(previous, current)


@dataclass
class RoundPoint:
    round_id: int
    title: str
    opens_on: object
    status: str
    instrument_version: str
    min_size: int
    #: Released responses: 0 until the round is published (closed).
    n: int
    n_invited: int
    n_customers: int
    is_published: bool = False
    #: Submissions so far, including those still sealed in the ballot box.
    n_submitted: int = 0
    profile: GroupProfile | None = None
    phase: Phase | None = None
    #: Employees' own rating minus customers' rating, in report marks (None without a mirror).
    mirror_gap: float | None = None
    items: dict[str, DimensionStats] = field(default_factory=dict)

    @property
    def is_shown(self) -> bool:
        return self.is_published and self.n >= self.min_size


def round_points(rounds: list[Round], *, with_items: bool = False) -> list[RoundPoint]:
    """Aggregates for several rounds at once: a fixed number of grouped queries."""
    ids = [r.id for r in rounds]
    if not ids:
        return []
    t = tallies(rounds)
    dims = dimension_stats(t)
    customers = customer_stats(rounds, t)
    # Published rounds keep their invitation counts in the tally; open ones are counted now.
    invited = {round_id: (tally_row(rows, ROUND, "invited")[0], tally_row(rows, ROUND, "submitted")[0])
               for round_id, rows in t.items()}
    open_ids = [i for i in ids if i not in t]
    if open_ids:
        invited.update({round_id: (n_invited, n_submitted) for round_id, n_invited, n_submitted in db.session.execute(
            sa.select(Invitation.round_id, sa.func.count(), sa.func.count(Invitation.submitted_at))
            .where(Invitation.round_id.in_(open_ids)).group_by(Invitation.round_id))})
    items = {round_id: item_sums(rows) for round_id, rows in t.items()} if with_items else {}
    families = shown_groups_of(list(t))
    points = []
    for r in rounds:
        n, _raw = dims.get(r.id, (0, None))
        n_customers, _customer = customers.get(r.id, (0, None))
        n_invited, n_submitted = invited.get(r.id, (0, 0))
        point = RoundPoint(r.id, r.title, r.opens_on, r.status.value, r.instrument_version, r.min_group_size, n,
                           n_invited, n_customers, is_published=r.is_published, n_submitted=n_submitted)
        if point.is_shown:
            # The results' own headline (``results.services.headline``): one profile, one phase.
            head = headline(r, t[r.id], families.get(r.id, {}))
            point.profile, point.phase = head.profile, head.placement.phase
            self_gap, _ = profile_gaps(point.profile)
            if self_gap is not None:
                point.mirror_gap = self_gap.marks  # as the results page shows it
            point.items = {k: v for k, v in items.get(r.id, {}).items() if v.n >= r.min_group_size}
        points.append(point)
    return points


@dataclass
class ItemChange:
    key: str
    section: str
    change: Change


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


def _item_index(key: str, stats: DimensionStats, instrument) -> DimensionStats:
    """Items on the 0..100 index scale in the customer-oriented direction, so one noise rule
    fits every item and "up" is always better for customers."""
    scale = instrument.mirror.scale if key.startswith("mirror.") else instrument.leadership.scale
    return DimensionStats(stats.n, scale.to_index(instrument.oriented(key, stats.mean)), stats.sd * 100 / (scale.max - scale.min))


#: A statement's change is shown as the results page shows the statement: its 1–5 mean (in the
#: customer-oriented direction) with one decimal, so "+0,6" means the same on every surface.
STATEMENT_DIGITS = 1


def statement_change(previous: DimensionStats, current: DimensionStats, instrument) -> Change | None:
    """The change of one statement (both on the oriented 0..100 index), judged and shown on
    the statement's own 1–5 scale."""
    scale = instrument.leadership.scale
    return change(previous, current, display=lambda index: scale.min + index * (scale.max - scale.min) / 100,
                  digits=STATEMENT_DIGITS)


def organisation_progress(org: Organisation, up_to: Round | None = None) -> Progress:
    """Progress over the organisation's rounds (up to and including ``up_to``, for a report)."""
    rounds = in_history_order(list(db.session.scalars(
        sa.select(Round).where(Round.organisation_id == org.id, Round.status != RoundStatus.DRAFT))))
    if up_to is not None:
        # A report compares only with what was published before it: never a later round.
        rounds = published_up_to(up_to, rounds)
    points = round_points(rounds, with_items=True)
    shown = [p for p in points if p.is_shown]
    dimension_changes: dict[str, Change | None] = {}
    item_changes: list[ItemChange] = []
    versions_differ, shared_count = False, 0
    if len(shown) >= 2:
        previous, current = shown[-2], shown[-1]
        for d in TREND_DIMENSIONS:
            dimension_changes[d] = dimension_change(d, previous.profile.get(d), current.profile.get(d))
        old, new = load_instrument(previous.instrument_version), load_instrument(current.instrument_version)
        versions_differ = previous.instrument_version != current.instrument_version
        keys = shared_keys(_scored_keys(old), _scored_keys(new))
        shared_count = len(keys)
        for key in keys:
            if key in previous.items and key in current.items:
                c = statement_change(_item_index(key, previous.items[key], old), _item_index(key, current.items[key], new), new)
                if c is not None:
                    item_changes.append(ItemChange(key, key.split(".")[0], c))
    carried, carried_from = [], None
    if len(rounds) >= 2:
        previous_round = rounds[-2]
        plan = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == previous_round.id))
        if plan is not None:
            carried = sorted((i for i in plan.items if not i.is_removed), key=lambda i: i.position)
            carried_from = previous_round.title
    as_of = up_to.published_order if up_to is not None and up_to.is_published else None
    return Progress(points, dimension_changes, item_changes, versions_differ, shared_count, carried, carried_from,
                    consultancy_benchmark(org, shown[-1] if shown else None, as_of=as_of))


def statement_changes(progress: Progress, round_: Round) -> dict[str, Change]:
    """Per statement, its change from the previous published round to ``round_`` (on the
    statement's 1–5 scale, as shown), when ``round_`` is the latest round that progress compares."""
    shown = [p for p in progress.points if p.is_shown]
    if len(shown) < 2 or shown[-1].round_id != round_.id:
        return {}
    return {c.key: c.change for c in progress.item_changes}


def _scored_keys(instrument) -> list[str]:
    """The statements compared item by item. Mirror ratings are followed as the gap instead:
    a lower self-rating can be progress (a more realistic self-image), so a per-item arrow
    would mislead."""
    return [i.key for s in instrument.likert_sections for i in s.items]


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
