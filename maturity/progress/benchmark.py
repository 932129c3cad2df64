"""The consultancy benchmark ("Andere klanten"), in steps that cannot be differenced.

A benchmark that followed every publication could be read before and after one other client
publishes: the difference of two averages, with their counts, gives that client's means. So the
benchmark is a *snapshot* (``BenchmarkSnapshot``), and a new one is taken only when, compared
with the last, the figures of at least ``MINIMUM + 1`` client organisations changed (a new
round published, a client added or gone). Every client sees the snapshot without itself, so
whatever the reader's own part in a step, the difference between two snapshots they can see
mixes the changes of at least ``MINIMUM`` other clients: the same guarantee as the minimum
group size, one level up. A report reads the snapshot that stood when its round was published,
and says the same later; the page shows the snapshot's date and count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from ..core.progress import Benchmark, benchmark
from ..extensions import db
from .models import BenchmarkSnapshot

#: The benchmark is shown only when at least this many other clients contribute, and moves
#: only when more than this many clients' figures changed at once.
MINIMUM = 5
DIMENSIONS = ("skills", "leadership", "culture")

Contributions = Mapping[str, Mapping[str, float | int | None]]


def latest(consultancy_id: int, as_of: datetime | None = None) -> BenchmarkSnapshot | None:
    """The snapshot that stood at ``as_of`` (now when None)."""
    query = sa.select(BenchmarkSnapshot).where(BenchmarkSnapshot.consultancy_id == consultancy_id)
    if as_of is not None:
        query = query.where(BenchmarkSnapshot.taken_at <= as_of)
    return db.session.scalar(query.order_by(BenchmarkSnapshot.taken_at.desc(), BenchmarkSnapshot.id.desc()).limit(1))


def changed(before: Contributions, now: Contributions) -> set[str]:
    """The organisations whose contribution differs (added, gone, another round, other means)."""
    return {org for org in set(before) | set(now) if before.get(org) != now.get(org)}


def take_if_due(consultancy_id: int, live: Contributions, at: datetime) -> BenchmarkSnapshot | None:
    """A new snapshot of ``live`` when it differs from the last in more than ``MINIMUM``
    organisations; otherwise the last one keeps standing."""
    last = latest(consultancy_id)
    if len(changed(last.contributions if last else {}, live)) < MINIMUM + 1:
        return None
    snapshot = BenchmarkSnapshot(consultancy_id=consultancy_id, taken_at=at, contributions=dict(live))
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def for_organisation(consultancy_id: int, organisation_id: int,
                     as_of: datetime | None = None) -> dict[str, Benchmark | None]:
    """Each dimension against the other clients in the snapshot that stood at ``as_of``, only
    where at least ``MINIMUM`` of them contribute."""
    snapshot = latest(consultancy_id, as_of)
    if snapshot is None:
        return {d: None for d in DIMENSIONS}
    others = {org: values for org, values in snapshot.contributions.items() if org != str(organisation_id)}
    result = {}
    for d in DIMENSIONS:
        means = {org: values[d] for org, values in others.items() if values.get(d) is not None}
        found = benchmark(means, MINIMUM)
        result[d] = found and Benchmark(found.mean, found.organisations, snapshot.taken_at.date())
    return result
