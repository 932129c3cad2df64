"""Which segment groups may be shown: the rule (core.segments), and an exhaustive search that no
combination of the shown groups' figures isolates fewer than the minimum people."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.core import segments as seg


def _rank(rows: list[list[int]]) -> int:
    """The rank of a small integer matrix, exactly (Gaussian elimination over the rationals)."""
    m = [[Fraction(x) for x in row] for row in rows if any(row)]
    rank, col = 0, 0
    width = len(m[0]) if m else 0
    while rank < len(m) and col < width:
        pivot = next((r for r in range(rank, len(m)) if m[r][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(len(m)):
            if r != rank and m[r][col] != 0:
                f = m[r][col] / m[rank][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[rank])]
        rank += 1
        col += 1
    return rank


def isolating_combinations(cells: dict, shown: frozenset, minimum: int) -> list[tuple]:
    """Every set of cells holding 1..minimum-1 people on which some linear combination of the
    shown groups' totals (counts, sums: whatever is added up per person) rests entirely.

    Every figure of a group is a sum over its people; people in one cell belong to the same
    groups, so a combination gives every person of a cell the same weight. Some combination
    rests on the cells U alone iff the groups' rank drops when U's columns are left out."""
    cell_list = sorted(cells, key=str)
    matrix = [[1 if all(a in cell for a in g) else 0 for cell in cell_list] for g in sorted(shown)]
    if not matrix:
        return []
    full = _rank(matrix)
    small = [i for i, c in enumerate(cell_list) if cells[c] < minimum]
    found = []
    for size in range(1, minimum):
        for subset in itertools.combinations(small, size):
            if sum(cells[cell_list[i]] for i in subset) >= minimum:
                continue
            rest = [[row[j] for j in range(len(cell_list)) if j not in subset] for row in matrix]
            if _rank(rest) < full:
                found.append(tuple(cell_list[i] for i in subset))
    return found


ATOMS = [["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2", "c3"]]


@st.composite
def populations(draw):
    n_attributes = draw(st.integers(1, 3))
    people = draw(st.integers(3, 40))
    cells: dict = {}
    for _ in range(people):
        cell = tuple(draw(st.sampled_from(ATOMS[i] + [None])) for i in range(n_attributes))
        cells[cell] = cells.get(cell, 0) + 1
    return cells, draw(st.integers(2, 5))


@settings(max_examples=120, deadline=None)
@given(populations())
def test_no_combination_of_shown_groups_isolates_fewer_than_the_minimum(population):
    cells, minimum = population
    sizes = seg.group_sizes(cells)
    shown = seg.release(cells, minimum)
    assert seg.check({g: sizes[g] for g in shown}, seg.attribute_values(cells), minimum) == []
    assert isolating_combinations(cells, shown, minimum) == [], shown
    assert not shown or all(n >= minimum for n in seg.regions(cells, shown).values())


def test_the_brute_force_finds_what_a_careless_release_shows():
    # Noord (6) beside Noord-leidinggevend (5): one non-manager in Noord by subtraction.
    cells = {("noord", "leid"): 5, ("noord", "uitv"): 1, ("zuid", "uitv"): 6}
    careless = frozenset({(), ("noord",), ("leid", "noord")})
    assert isolating_combinations(cells, careless, 5)
    shown = seg.release(cells, 5)
    assert ("leid", "noord") not in shown and isolating_combinations(cells, shown, 5) == []


def test_two_values_of_different_attributes_may_not_differ_by_fewer_than_the_minimum():
    # Noord (8) and Leidinggevend (8) share 7: each leaves one person beside the other.
    cells = {("noord", "leid"): 7, ("noord", "uitv"): 1, ("zuid", "leid"): 1, ("zuid", "uitv"): 9}
    careless = frozenset(g for g, n in seg.group_sizes(cells).items() if n >= 5 and len(g) < 2)
    assert isolating_combinations(cells, careless, 5)
    shown = seg.release(cells, 5)
    assert not (("noord",) in shown and ("leid",) in shown)
    assert isolating_combinations(cells, shown, 5) == []


def test_a_round_below_the_minimum_shows_nothing():
    cells = {("a1",): 2, ("a2",): 2}
    assert seg.release(cells, 5) == frozenset()


def test_every_pair_of_filters_of_a_corporation_differs_by_zero_or_the_minimum():
    """The attack: a director tries every filter and every pair of filters and subtracts."""
    import random

    rng = random.Random(26)
    tried = 0
    for _ in range(40):
        cells: dict = {}
        for _ in range(rng.randint(15, 400)):
            cell = (rng.choice(["rep", "verh", "wmo"]), rng.choice(["noord", "zuid", None]),
                    rng.choice(["leid", "uitv"]), rng.choice(["d1", "d2", "d0"]))
            cells[cell] = cells.get(cell, 0) + 1
        shown = seg.release(cells, 5)
        for a, b in itertools.combinations(sorted(shown), 2):
            tried += 1
            members_a = {c for c in cells if all(x in c for x in a)}
            members_b = {c for c in cells if all(x in c for x in b)}
            for only in (members_a - members_b, members_b - members_a):
                people = sum(cells[c] for c in only)
                assert people == 0 or people >= 5, (a, b, people)
    assert tried > 1000  # the attack had something to try
