"""A round beside the rounds before it: each round's headline in one go (``round_points``)
and what changed since the previous shown round (``compare``), read by the results page (the
statements' changes), the progress page, the portfolio, the benchmark and the report.

Every point is the results' own headline (``services.headline``): the same profile and phase as
the results page. Neither the number of queries nor their cost grows with the number of
responses or rounds (everything is read per round in one query)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core import DEFAULT, DimensionStats, GroupProfile, Phase, profile_gaps
from ..core.progress import Change, change, shared_keys
from ..extensions import db
from ..instrument import load_instrument
from ..rounds.models import Invitation, Round, RoundStatus, in_history_order, published_up_to
from .segment_tally import shown_groups_of
from .services import customer_stats, dimension_stats, headline, item_sums, tallies, tally_row
from .tally import ROUND

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
class Comparison:
    """The latest shown round against the one before it."""

    dimension_changes: dict[str, Change | None] = field(default_factory=dict)
    item_changes: list[ItemChange] = field(default_factory=list)
    versions_differ: bool = False
    shared_item_count: int = 0


def compare(shown: list[RoundPoint]) -> Comparison:
    """What changed from the previous shown round to the latest (``shown``: in history order,
    read with their items)."""
    result = Comparison()
    if len(shown) < 2:
        return result
    previous, current = shown[-2], shown[-1]
    for d in TREND_DIMENSIONS:
        result.dimension_changes[d] = dimension_change(d, previous.profile.get(d), current.profile.get(d))
    old, new = load_instrument(previous.instrument_version), load_instrument(current.instrument_version)
    result.versions_differ = previous.instrument_version != current.instrument_version
    keys = shared_keys(_scored_keys(old), _scored_keys(new))
    result.shared_item_count = len(keys)
    for key in keys:
        if key in previous.items and key in current.items:
            c = statement_change(_item_index(key, previous.items[key], old), _item_index(key, current.items[key], new), new)
            if c is not None:
                result.item_changes.append(ItemChange(key, key.split(".")[0], c))
    return result


def statement_changes(round_: Round) -> dict[str, Change]:
    """Per statement, its change from the previous published round to ``round_`` (on the
    statement's 1–5 scale, as shown); none when ``round_`` is not shown or has no shown round
    before it. Never a later round: a report compares only with what was published before it."""
    rounds = published_up_to(round_, in_history_order(list(db.session.scalars(
        sa.select(Round).where(Round.organisation_id == round_.organisation_id, Round.status != RoundStatus.DRAFT)))))
    shown = [p for p in round_points(rounds, with_items=True) if p.is_shown]
    if not shown or shown[-1].round_id != round_.id:
        return {}
    return {c.key: c.change for c in compare(shown).item_changes}


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


def _scored_keys(instrument) -> list[str]:
    """The statements compared item by item. Mirror ratings are followed as the gap instead:
    a lower self-rating can be progress (a more realistic self-image), so a per-item arrow
    would mislead."""
    return [i.key for s in instrument.likert_sections for i in s.items]
