"""Which groups of a segmented round may be shown, so that no shown figure, alone or beside any
other shown figure, rests on fewer than the minimum. Pure: no Flask, no database.

The people of a round are described by attributes (the department, and each segment the
organisation defines: location, role, service, ...). A *group* is the whole round ``()``, one
attribute value ``("s12",)``, or two values of different attributes combined
``("d3", "s12")``: what the results page's filters can show. Everyone belongs to the round, to
one value of each attribute they have, and to the pairs of those.

Showing two groups side by side reveals their difference wherever one contains the other,
several values of an attribute reveal what they leave of their group, and the round minus two
groups that cover everyone reveals what they share. Every such figure is a sum over the people
of some regions of the shown groups' Venn diagram (people in the same region are in exactly the
same shown groups, so every combination of shown figures weighs them alike). Hence the rule:

- every non-empty region of the shown groups' Venn diagram holds at least the minimum;
- a pair is shown only with both its values.

Then every shown group, every difference, every remainder and every other combination of shown
figures rests on at least the minimum people (each is a union of regions). Where a region is
too small, one value is hidden so that the region joins a neighbour (of the attribute that
matters least, e.g. a role before a service; the smaller one first) and the regions are drawn
again; each pass only hides, so it ends, at the latest with the round alone. Then each pair of
shown values, largest first, is shown where it keeps every region large enough. The same rule
then decides each figure within the shown groups (a score, a statement) on the people who
answered it, since "weet ik niet" makes those fewer than the group (``release_cells``).

``check`` verifies what can be verified from the shown groups' sizes alone (what the results
page reads): each at least the minimum, a pair with its values, and no shown remainder or
difference of nested groups below it. The property test searches every combination of shown
groups exhaustively (tests/unit/test_segments.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

Atom = str
Group = tuple[Atom, ...]
#: One person's values, one entry per attribute (None: no value for that attribute).
Cell = tuple[Atom | None, ...]


def groups_of(cell: Cell) -> list[Group]:
    """The round, each of the cell's values, and each pair of them (sorted)."""
    atoms = sorted(a for a in cell if a is not None)
    return [()] + [(a,) for a in atoms] + [(a, b) for i, a in enumerate(atoms) for b in atoms[i + 1:]]


def group_sizes(cells: Mapping[Cell, int]) -> dict[Group, int]:
    sizes: dict[Group, int] = defaultdict(int)
    for cell, n in cells.items():
        if n:
            for g in groups_of(cell):
                sizes[g] += n
    return dict(sizes)


def attribute_values(cells: Iterable[Cell]) -> list[set[Atom]]:
    """Per attribute, the values anyone has."""
    values: list[set[Atom]] = []
    for cell in cells:
        while len(values) < len(cell):
            values.append(set())
        for i, atom in enumerate(cell):
            if atom is not None:
                values[i].add(atom)
    return values


def _partitions(parent: Group, attributes: list[set[Atom]]) -> list[list[Group]]:
    """For each attribute the parent does not fix: the groups that split the parent by it."""
    fixed = set(parent)
    result = []
    for values in attributes:
        if fixed & values:
            continue
        result.append([tuple(sorted(parent + (v,))) for v in sorted(values)])
    return result


def regions(cells: Mapping[Cell, int], shown: Iterable[Group]) -> dict[frozenset[Group], int]:
    """The Venn diagram of the shown groups: people grouped by which shown groups they are in,
    and how many there are in each region."""
    shown = set(shown)
    sizes: dict[frozenset[Group], int] = defaultdict(int)
    for cell, n in cells.items():
        if n:
            sizes[frozenset(g for g in groups_of(cell) if g in shown)] += n
    return dict(sizes)


def release(cells: Mapping[Cell, int], minimum: int, within: frozenset[Group] | None = None,
            weight: Callable[[Atom], int] = lambda atom: 0) -> frozenset[Group]:
    """The groups that may be shown: every region of their Venn diagram holds no one or at
    least the minimum, and a pair is shown only with both its values. ``within`` limits them
    to these groups (deciding a figure within the groups: the groups shown as a whole);
    ``weight`` says which values to keep longest (e.g. services).

    The single values are decided first: while a region is too small, one value is hidden (one
    whose hiding joins that region to an existing one if there is one; of the least weight;
    the smaller first). Then each pair, largest first, is added where the regions it splits
    stay empty or large enough. Regions are kept as bit masks of the shown groups per cell, so
    the cost grows with the number of distinct cells, not of people (tested against
    ``regions`` in tests/unit/test_segments.py)."""
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    people = [(tuple(sorted(a for a in cell if a is not None)), n) for cell, n in cells.items() if n]
    sizes: dict[Group, int] = defaultdict(int)
    for atoms, n in people:
        sizes[()] += n
        for i, a in enumerate(atoms):
            sizes[a,] += n
            for b in atoms[i + 1:]:
                sizes[a, b] += n
    if sizes[()] < minimum:
        return frozenset()
    def allowed(g: Group) -> bool:
        return within is None or g in within

    shown = {g[0] for g, n in sizes.items() if len(g) == 1 and n >= minimum and allowed(g)}

    while True:  # the single values
        bits = {atom: 1 << i for i, atom in enumerate(sorted(shown))}
        found: dict[int, int] = defaultdict(int)
        for atoms, n in people:
            mask = 0
            for atom in atoms:
                mask |= bits.get(atom, 0)
            found[mask] += n
        small = [mask for mask, n in found.items() if 0 < n < minimum]
        if not small:
            break
        region = min(small, key=lambda mask: sorted(a for a, b in bits.items() if mask & b))

        def rank(atom: Atom, region=region, found=found, bits=bits) -> tuple:
            return ((region ^ bits[atom]) not in found, weight(atom), sizes.get((atom,), 0), atom)

        shown.discard(min(shown, key=rank))

    # The pairs, largest first, each where the regions it splits stay empty or large enough.
    bits = {atom: 1 << i for i, atom in enumerate(sorted(shown))}
    signature = []
    with_pair: dict[Group, list[int]] = defaultdict(list)
    for i, (atoms, n) in enumerate(people):
        mask = 0
        for atom in atoms:
            mask |= bits.get(atom, 0)
        signature.append(mask)
        kept = [a for a in atoms if a in shown]
        for j, a in enumerate(kept):
            for b in kept[j + 1:]:
                with_pair[a, b].append(i)
    found = defaultdict(int)
    for (_atoms, n), mask in zip(people, signature):
        found[mask] += n
    result: set[Group] = {()} | {(atom,) for atom in shown}
    next_bit = len(bits)
    for pair in sorted((g for g, idx in with_pair.items() if sizes[g] >= minimum and allowed(g)),
                       key=lambda g: (-sizes[g], g)):
        moved: dict[int, int] = defaultdict(int)
        for i in with_pair[pair]:
            moved[signature[i]] += people[i][1]
        if any(m < minimum or 0 < found[mask] - m < minimum for mask, m in moved.items()):
            continue
        bit = 1 << next_bit
        next_bit += 1
        for mask, m in moved.items():
            found[mask] -= m
            found[mask | bit] = m
        for i in with_pair[pair]:
            signature[i] |= bit
        result.add(pair)
    return frozenset(result)


def check(sizes: Mapping[Group, int], attributes: list[set[Atom]], minimum: int) -> list[str]:
    """What is wrong with a family of shown groups, from their sizes alone (``sizes`` holds only
    the shown ones): each rests on at least the minimum, a pair is shown with its values, and
    within every shown group what the shown values of another attribute leave (including a
    pair's difference with its value) is 0 or at least the minimum."""
    problems = []
    for g, n in sizes.items():
        if n < minimum:
            problems.append(f"{'+'.join(g) or 'round'} rests on {n}")
        if len(g) == 2 and not ((g[0],) in sizes and (g[1],) in sizes):
            problems.append(f"{'+'.join(g)} shown without both its values")
    for parent in [g for g in sizes if len(g) < 2]:
        for children in _partitions(parent, attributes):
            shown = [sizes[c] for c in children if c in sizes]
            left = sizes[parent] - sum(shown)
            if shown and 0 < left < minimum:
                problems.append(f"{'+'.join(parent) or 'round'} leaves {left} beside its shown groups")
    return problems


def release_cells(measure_cells: Mapping[str, Mapping[Cell, int]], minimum: int,
                  shown_groups: frozenset[Group], weight: Callable[[Atom], int] = lambda atom: 0,
                  ) -> dict[str, frozenset[Group]]:
    """Per figure (a score, a statement): the shown groups in which it may be shown, decided
    by the same rule on the people who answered it, with the groups hidden as a whole hidden."""
    return {m: release(cells, minimum, within=shown_groups, weight=weight) & shown_groups
            for m, cells in measure_cells.items()}
