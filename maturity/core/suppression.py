"""Which group aggregates may be shown without exposing a group smaller than the minimum.

The guarantee: every aggregate a reader can see *or compute* rests on 0 or at least
``min_size`` responses. What a reader sees is the total (when shown) and the visible groups;
groups are disjoint, so the only thing they can compute beyond that is the complement,
total minus the visible groups = the hidden groups plus the respondents without a group
("overig"). So:

1. primary suppression: hide every group below ``min_size``;
2. a total below ``min_size`` is hidden, and then every group is (each is part of the total);
3. complementary suppression: while the complement holds 1..min_size-1 responses, hide the
   next-smallest visible group too (ties by key, so the result is deterministic).

Two hidden groups are not automatically safe: 2 + 2 responses still expose a group of 4 by
subtraction, so the test is on the complement's size, not on the number of hidden groups.
Out of scope, and the caller's duty: overlapping breakdowns (department x location) and
differencing between rounds or filters; apply the same function to each breakdown shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Suppression:
    hidden: frozenset[str]
    visible: frozenset[str]
    is_total_visible: bool
    #: Why each hidden group is hidden: "below_minimum" or "complementary".
    why: Mapping[str, str]

    def is_visible(self, group: str) -> bool:
        return group in self.visible


def suppress(groups: Mapping[str, int], min_size: int, total: int | None = None,
             also_hidden: frozenset[str] = frozenset()) -> Suppression:
    """Decide which groups (and whether the total) may be shown.

    ``groups`` maps group key to its number of responses. ``total`` is the number behind the
    overall aggregate when that is shown next to the groups; it may exceed the sum of the groups
    (respondents without a group). Pass None when no total is shown anywhere with these groups.
    ``also_hidden`` names groups hidden for another reason (e.g. a department hidden as a
    whole, when deciding one of its cells); they count towards the complement.
    """
    if min_size < 1:
        raise ValueError("min_size must be at least 1")
    if any(n < 0 for n in groups.values()):
        raise ValueError("group sizes cannot be negative")
    if total is not None and total < sum(groups.values()):
        raise ValueError(f"total {total} is smaller than the sum of the groups {sum(groups.values())}")

    why = {g: "below_minimum" for g, n in groups.items() if n < min_size}
    why.update({g: "complementary" for g in also_hidden if g in groups and g not in why})
    is_total_visible = total is not None and total >= min_size
    if total is not None and not is_total_visible:
        # Every group is part of a total below the minimum, so each is below it too.
        why.update({g: "below_minimum" for g in groups})

    if is_total_visible:
        assert total is not None
        visible = sorted((n, g) for g, n in groups.items() if g not in why)
        complement = total - sum(n for n, _ in visible)
        while 0 < complement < min_size:
            # Total >= min_size, so this ends at the latest when every group is hidden.
            n, g = visible.pop(0)
            why[g] = "complementary"
            complement += n

    hidden = frozenset(why)
    return Suppression(
        hidden=hidden,
        visible=frozenset(groups) - hidden,
        is_total_visible=is_total_visible,
        why=why,
    )
