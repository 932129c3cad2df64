"""A published round's figures per segment: decided and added up once, at release.

While the ballots are released (``results.publication.release_ballots``), every employee response
is added to the *cell* of its values (its published department and its segment values), and
every customer response to the cell of its service. At the end ``core.segments.release``
decides which groups may be shown (one value, or two combined, and each service's customers),
``core.segments.release_cells`` which figures within them, and only those are stored
(``SegmentGroup``, ``SegmentTally``), in the shape of the round's own tally, so that the
results page reads a filtered view exactly as it reads the whole round (``results.services``).

The segment values themselves are never stored with a response: the raw answers say nothing
about anyone's location or role, and the per-segment aggregates exist only where they may be
shown. ``flask rebuild-tallies`` recomputes the round's own tally from the answers and leaves
these as they were published.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
import sqlalchemy as sa

from ..core import segments as rule
from ..extensions import db
from ..segments.models import Segment, SegmentGroup, SegmentTally, SegmentValue
from . import tally as round_tally

DEPARTMENT_OTHERS = "d0"
#: The round's employees and its customers as a whole, stored with the groups for their sizes.
ROUND, CUSTOMERS = "", "c"


def department_atom(department_id: int | None) -> str:
    return DEPARTMENT_OTHERS if department_id is None else f"d{department_id}"


def employee_atom(value_id: int) -> str:
    return f"s{value_id}"


def customer_atom(value_id: int) -> str:
    return f"c{value_id}"


def group_key(group: Iterable[str]) -> str:
    return "+".join(sorted(group))


class _Cell:
    __slots__ = ("counts", "scores", "comments")

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.scores: dict[str, list[float]] = defaultdict(list)
        self.comments: list[str] = []


class SegmentTallyBuilder:
    """Fed every released response; decides and stores what may be shown per segment."""

    def __init__(self, organisation_id: int) -> None:
        segments = list(db.session.scalars(sa.select(Segment).where(Segment.organisation_id == organisation_id)
                                           .order_by(Segment.id)))
        self.segments = segments
        self.value_segment = {v.id: s for s in segments for v in s.values}
        self.services = {v.id for s in segments if s.is_service for v in s.values}
        self.employees: dict[tuple, _Cell] = defaultdict(_Cell)
        self.customers: dict[tuple, _Cell] = defaultdict(_Cell)

    def employee_cell(self, department_atom_: str, value_ids: Iterable[int]) -> tuple:
        by_segment = {self.value_segment[v].id: v for v in value_ids if v in self.value_segment}
        return (department_atom_, *[employee_atom(by_segment[s.id]) if s.id in by_segment else None
                                    for s in self.segments])

    def employee(self, cell: tuple, band: str, scores: Mapping[str, float | None],
                 answers: Mapping[str, tuple[str | None, int | None]], comment: str | None = None) -> None:
        c = self.employees[cell]
        if comment:
            c.comments.append(comment)
        c.counts["responses"] += 1
        c.counts["band:" + band] += 1
        for name in round_tally.EMPLOYEE_SCORES:
            value = scores.get(name)
            if value is not None:
                c.scores[name].append(float(value))
        for item, (choice, value) in answers.items():
            c.counts[round_tally.answer_key(item, choice, value)] += 1

    def customer(self, service_id: int | None, score: float | None, answers: Mapping[str, int | None]) -> None:
        cell = (customer_atom(service_id) if service_id in self.services else None,)
        c = self.customers[cell]
        c.counts["responses"] += 1
        if score is not None:
            c.scores[round_tally.CUSTOMER_SCORE].append(float(score))
        for item, value in answers.items():
            c.counts[round_tally.answer_key(item, None, value)] += 1

    def store(self, round_id: int, min_size: int, min_customers: int, department_names: Mapping[str, str],
              min_comments: int | None = None) -> int:
        """Decide, add up and store the shown groups; returns how many groups are shown."""
        db.session.execute(sa.delete(SegmentTally).where(SegmentTally.round_id == round_id))
        db.session.execute(sa.delete(SegmentGroup).where(SegmentGroup.round_id == round_id))
        groups: list[dict] = []
        rows: list[dict] = []
        for cells, minimum in ((self.employees, min_size), (self.customers, min_customers)):
            shown, figures = _decide(cells, minimum, {employee_atom(v) for v in self.services})
            with_comments = (_comment_groups(cells, shown, min_comments, {employee_atom(v) for v in self.services})
                             if cells is self.employees else frozenset())
            adder = _Adder(cells)
            for group in sorted(shown):
                total = adder.total(group)
                if group == ():  # the round itself (its figures are the round's own tally): its size
                    groups.append({"round_id": round_id, "grp": ROUND if cells is self.employees else CUSTOMERS,
                                   "label": [], "n": total.counts["responses"], "comments": None})
                    continue
                key = group_key(group)
                groups.append({"round_id": round_id, "grp": key, "label": [self._label(a, department_names) for a in group],
                               "n": total.counts["responses"],
                               "comments": _shuffled(total.comments) if group in with_comments else None})
                rows.extend(_rows(round_id, key, total, {m for m, where in figures.items() if group not in where}))
        if groups:
            db.session.execute(sa.insert(SegmentGroup), groups)
        if rows:
            db.session.execute(sa.insert(SegmentTally), rows)
        return len(groups)

    def _label(self, atom: str, department_names: Mapping[str, str]) -> list[str]:
        if atom.startswith("d"):
            return ["", department_names.get(atom, "")]
        value_id = int(atom[1:])
        segment = self.value_segment[value_id]
        return [segment.name, next(v.name for v in segment.values if v.id == value_id)]


@functools.lru_cache(maxsize=4096)
def _measure(key: str) -> str | None:
    """The figure a tally key belongs to: a score, or a statement/question (its answers)."""
    if key.startswith("score:"):
        return key
    if key.startswith("answer:"):
        return "item:" + round_tally.parse_answer_key(key)[0]
    return None


@functools.lru_cache(maxsize=4096)
def _answered_measure(key: str) -> str | None:
    """The statement or question an answer key counts for, when it is an answer (not "weet ik
    niet")."""
    return "item:" + round_tally.parse_answer_key(key)[0] if key.startswith("answer:") and \
        round_tally.parse_answer_key(key)[2] is not None else None


def weight(atom: str) -> int:
    """What the rule keeps longest: services (their mirror is the point), then departments,
    then the other segments."""
    return 2 if atom.startswith("c") else 1 if atom.startswith("d") else 0


def _decide(cells: Mapping[tuple, _Cell], minimum: int, services: set[str]) -> tuple[frozenset, dict[str, frozenset]]:
    sizes = {cell: c.counts["responses"] for cell, c in cells.items()}
    def weigh(atom: str) -> int:
        return 2 if atom in services else weight(atom)

    shown = rule.release(sizes, minimum, weight=weigh)
    answered: dict[str, dict[tuple, int]] = defaultdict(dict)
    for cell, c in cells.items():
        for name, values in c.scores.items():
            answered["score:" + name][cell] = len(values)
        for key, n in c.counts.items():
            item = _answered_measure(key)
            if item is not None:
                answered[item][cell] = answered[item].get(cell, 0) + n
    # A figure everyone in every cell answered is decided like the groups themselves.
    everyone = {m for m, counts in answered.items() if counts == sizes}
    figures = rule.release_cells({m: counts for m, counts in answered.items() if m not in everyone}, minimum, shown,
                                 weigh)
    figures.update({m: shown for m in everyone})
    return shown, figures


def _comment_groups(cells: Mapping[tuple, _Cell], shown: frozenset, minimum: int | None, services: set[str]) -> frozenset:
    """The shown single values whose employees' comments may be shown: the same rule with the
    comment minimum (what a group's comments leave beside another's is a set of comments too)."""
    if not minimum:
        return frozenset()
    sizes = {cell: c.counts["responses"] for cell, c in cells.items()}
    allowed = rule.release(sizes, minimum, within=shown, weight=lambda atom: 2 if atom in services else weight(atom))
    return frozenset(g for g in allowed if len(g) == 1)


def _shuffled(comments: list[str]) -> list[str] | None:
    """In an order drawn from the operating system's random source: not the order of release."""
    if not comments:
        return None
    order = list(comments)
    secrets.SystemRandom().shuffle(order)
    return order


class _Adder:
    """Every shown group's totals from the cells: the cells' counts as one matrix (cells ×
    keys), summed over the cells of each group, so adding up costs one vector sum per group,
    not a dictionary update per cell, group and key."""

    def __init__(self, cells: Mapping[tuple, _Cell]) -> None:
        self.cells = list(cells.items())
        self.keys = sorted({key for _, c in self.cells for key in c.counts})
        column = {key: j for j, key in enumerate(self.keys)}
        self.counts = np.zeros((len(self.cells), len(self.keys)), dtype=np.int64)
        self.atoms: dict[str, np.ndarray] = {}
        for i, (cell, c) in enumerate(self.cells):
            for key, n in c.counts.items():
                self.counts[i, column[key]] = n
            for atom in cell:
                if atom is not None:
                    self.atoms.setdefault(atom, np.zeros(len(self.cells), dtype=bool))[i] = True

    def total(self, group: tuple) -> _Cell:
        chosen = np.ones(len(self.cells), dtype=bool)
        for atom in group:
            chosen &= self.atoms[atom]
        rows = np.nonzero(chosen)[0]
        sums = self.counts[rows].sum(axis=0)
        total = _Cell()
        total.counts.update({self.keys[j]: int(sums[j]) for j in np.nonzero(sums)[0]})
        for i in rows:
            c = self.cells[i][1]
            for name, values in c.scores.items():
                total.scores[name].extend(values)
            total.comments.extend(c.comments)
        return total


def _rows(round_id: int, key: str, total: _Cell, hidden: set[str]) -> list[dict]:
    rows = []
    for name, n in total.counts.items():
        if _measure(name) not in hidden:
            rows.append({"round_id": round_id, "grp": key, "key": name, "n": n, "total": 0.0, "squares": 0.0})
    for name, values in total.scores.items():
        if "score:" + name not in hidden and values:
            rows.append({"round_id": round_id, "grp": key, "key": "score:" + name, "n": len(values),
                         "total": math.fsum(values), "squares": math.fsum(v * v for v in values)})
    return rows


def shown_groups(round_id: int) -> dict[str, tuple[list, int]]:
    """The round's shown segment groups: key -> (label, size)."""
    return shown_groups_of([round_id]).get(round_id, {})


def shown_groups_of(round_ids: list[int]) -> dict[int, dict[str, tuple[list, int]]]:
    """``shown_groups`` of several rounds in one query (a round without groups is missing)."""
    found: dict[int, dict[str, tuple[list, int]]] = defaultdict(dict)
    if round_ids:
        for round_id, grp, label, n in db.session.execute(
                sa.select(SegmentGroup.round_id, SegmentGroup.grp, SegmentGroup.label, SegmentGroup.n)
                .where(SegmentGroup.round_id.in_(round_ids))):
            found[round_id][grp] = (label, n)
    return dict(found)


def group_rows(round_id: int, grp: str) -> dict[tuple[str, str], tuple[int, float, float]]:
    """One shown group's aggregates, keyed like the round's own tally."""
    return {(grp, key): (int(n), float(total), float(squares)) for key, n, total, squares in db.session.execute(
        sa.select(SegmentTally.key, SegmentTally.n, SegmentTally.total, SegmentTally.squares)
        .where(SegmentTally.round_id == round_id, SegmentTally.grp == grp))}


def value_names(organisation_id: int) -> dict[int, str]:
    return dict(db.session.execute(sa.select(SegmentValue.id, SegmentValue.name)
                                   .where(SegmentValue.organisation_id == organisation_id)).all())


def service_of(group: str) -> str | None:
    """The customers' group beside an employees' service group ("s12" -> "c12")."""
    return "c" + group[1:] if "+" not in group and group.startswith("s") else None


def service_values(organisation_id: int) -> frozenset[int]:
    """The organisation's values of its service segment: the groups customers are split by."""
    return frozenset(db.session.scalars(sa.select(SegmentValue.id).join(Segment, Segment.id == SegmentValue.segment_id)
                                        .where(Segment.organisation_id == organisation_id, Segment.is_service)))


def has_customers(organisation_id: int, group: str, family: Mapping[str, tuple[list, int]],
                  services: frozenset[int] | None = None) -> bool:
    """Whether a shown group has customers of its own. Customers are split by service only: a
    service has them (shown beside it, or hidden as too few), a location, a role, a department
    or two combined have none, so their customer figures do not exist rather than rest on too
    few. ``services`` (``service_values``) spares the query when many groups are read."""
    customers = service_of(group)
    if customers is None or customers in family:
        return customers is not None
    return int(group[1:]) in (services if services is not None else service_values(organisation_id))


def view_rows(round_id: int, group: str, family: Mapping[str, tuple[list, int]],
              preloaded: Mapping[str, dict] | None = None) -> dict[tuple[str, str], tuple[int, float, float]]:
    """A shown group's aggregates keyed as the round's own tally (the employees as the round,
    and for a service its own customers as the customers), so that ``results.services`` reads
    it exactly as it reads the whole round."""
    def rows_of(grp: str) -> dict:
        return preloaded.get(grp, {}) if preloaded is not None else group_rows(round_id, grp)

    rows = {(round_tally.ROUND, key): v for (_, key), v in rows_of(group).items()}
    customers = service_of(group)
    if customers in family:
        rows.update({(round_tally.CUSTOMERS, key): v for (_, key), v in rows_of(customers).items()})
    return rows


def single_group_rows(round_id: int) -> dict[str, dict]:
    """Every shown single group's aggregates (one value, a department, a service's customers),
    in one query: what the overview of segments needs."""
    found: dict[str, dict] = defaultdict(dict)
    for grp, key, n, total, squares in db.session.execute(
            sa.select(SegmentTally.grp, SegmentTally.key, SegmentTally.n, SegmentTally.total, SegmentTally.squares)
            .where(SegmentTally.round_id == round_id, ~SegmentTally.grp.contains("+"),
                   sa.or_(SegmentTally.grp.startswith("s"), SegmentTally.grp.startswith("c")))):
        found[grp][grp, key] = (int(n), float(total), float(squares))
    return dict(found)


def hidden_departments(family: Mapping[str, tuple[list, int]], rows: list) -> frozenset[str | None]:
    """The departments of the round's department table (``rows``: name first, None for the
    others) that the segment rule did not show. A round published before segments existed
    has no groups: nothing more is hidden."""
    if not family:
        return frozenset()
    shown = {label[0][1] or None for grp, (label, _) in family.items() if "+" not in grp and grp.startswith("d")}
    return frozenset(row[0] for row in rows if row[0] not in shown)


def filters(family: Mapping[str, tuple[list, int]]) -> dict[str, tuple[list, int]]:
    """The groups a reader can choose: employees' values, departments and pairs (not the round,
    not the customers' groups, which come with their service)."""
    return {grp: v for grp, v in family.items() if grp not in (ROUND, CUSTOMERS) and not grp.startswith("c")}


def problems(family: Mapping[str, tuple[list, int]], min_size: int, min_customers: int) -> list[str]:
    """The segment rule checked on the shown groups themselves (``core.segments.check``). The
    same family is checked once per process and minimums (an overview checks each group's
    results against it)."""
    shape = tuple(sorted((grp, n, label[0][0] if label else "") for grp, (label, n) in family.items()))
    return list(_problems(shape, min_size, min_customers))


@functools.lru_cache(maxsize=256)
def _problems(shape: tuple, min_size: int, min_customers: int) -> tuple[str, ...]:
    family = {grp: ([[segment, ""]] if segment else [], n) for grp, n, segment in shape}
    found = []
    for prefix_ok, total_key, minimum in ((lambda g: not g.startswith("c"), ROUND, min_size),
                                          (lambda g: g.startswith("c") and g != CUSTOMERS, CUSTOMERS, min_customers)):
        groups = {grp: v for grp, v in family.items() if grp and prefix_ok(grp)}
        if not groups:
            continue
        if total_key not in family:
            found.append("segment groups shown without the round's size")
            continue
        sizes = {(): family[total_key][1]}
        attributes: dict[str, set[str]] = defaultdict(set)
        for grp, (label, n) in groups.items():
            atoms = tuple(grp.split("+"))
            sizes[atoms] = n
            if len(atoms) == 1:
                attributes["department" if grp.startswith("d") else (label[0][0] if label else grp)].add(grp)
        found += rule.check(sizes, list(attributes.values()), minimum)
    return tuple(found)


def group_comments(round_id: int, grp: str) -> list[str] | None:
    """A shown group's employees' comments, where the rule shows them."""
    return db.session.scalar(sa.select(SegmentGroup.comments).where(SegmentGroup.round_id == round_id,
                                                                    SegmentGroup.grp == grp))


def purge_comments(round_id: int) -> None:
    """With the raw answers at the end of the retention period, the groups' comments go too."""
    db.session.execute(sa.update(SegmentGroup).where(SegmentGroup.round_id == round_id).values(comments=None))
