from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.core import suppress


def test_groups_at_the_minimum_are_shown():
    result = suppress({"sales": 5, "service": 12}, min_size=5, total=17)
    assert result.visible == {"sales", "service"} and result.is_total_visible


def test_a_small_group_is_hidden_and_so_is_the_next_smallest():
    result = suppress({"sales": 3, "service": 12, "finance": 7}, min_size=5, total=22)
    assert result.hidden == {"sales", "finance"}
    assert result.why == {"sales": "below_minimum", "finance": "complementary"}
    assert result.visible == {"service"} and result.is_total_visible


def test_two_small_groups_adding_up_to_the_minimum_need_nothing_more():
    result = suppress({"a": 2, "b": 3, "c": 10}, min_size=5, total=15)
    assert result.hidden == {"a", "b"}


def test_two_small_groups_below_the_minimum_together_are_not_enough():
    # 2 + 2 = 4 would be exposed by total - c.
    result = suppress({"a": 2, "b": 2, "c": 10, "d": 6}, min_size=5, total=20)
    assert result.hidden == {"a", "b", "d"}


def test_the_remainder_without_a_group_is_protected():
    # Three respondents chose no department: total - sum(groups) would expose them.
    result = suppress({"a": 8, "b": 10}, min_size=5, total=21)
    assert result.hidden == {"a"} and result.why == {"a": "complementary"}


def test_a_large_remainder_protects_a_small_group():
    result = suppress({"a": 2, "b": 10}, min_size=5, total=20)
    assert result.hidden == {"a"}


def test_a_total_below_the_minimum_hides_everything():
    result = suppress({"a": 2, "b": 2}, min_size=5, total=4)
    assert not result.is_total_visible and result.visible == frozenset()


def test_without_a_total_only_small_groups_are_hidden():
    result = suppress({"a": 2, "b": 10, "c": 7}, min_size=5)
    assert result.hidden == {"a"} and not result.is_total_visible


def test_ties_are_broken_by_key():
    result = suppress({"b": 6, "a": 6, "x": 1}, min_size=5, total=13)
    assert result.hidden == {"x", "a"}


@pytest.mark.parametrize(
    ("groups", "min_size", "total"),
    [({"a": 5}, 0, None), ({"a": -1}, 5, None), ({"a": 5, "b": 5}, 5, 9)],
)
def test_nonsense_is_refused(groups, min_size, total):
    with pytest.raises(ValueError):
        suppress(groups, min_size, total)


# -- the guarantee, as properties --------------------------------------------------------------------

group_sizes = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), st.integers(0, 15), max_size=8)


@st.composite
def cases(draw):
    groups = draw(group_sizes)
    min_size = draw(st.integers(1, 10))
    total = draw(st.one_of(st.none(), st.integers(0, 12).map(lambda extra: sum(groups.values()) + extra)))
    return groups, min_size, total


@given(cases())
def test_no_group_below_the_minimum_is_shown_directly(case):
    groups, min_size, total = case
    result = suppress(groups, min_size, total)
    assert all(groups[g] >= min_size for g in result.visible)
    if result.is_total_visible:
        assert total >= min_size
    assert result.visible | result.hidden == set(groups) and not result.visible & result.hidden


@given(cases())
def test_nothing_below_the_minimum_can_be_derived_by_subtraction(case):
    """The only aggregate a reader can compute beyond what is shown is total minus the visible
    groups (hidden groups plus the remainder); it must rest on 0 or at least min_size responses."""
    groups, min_size, total = case
    result = suppress(groups, min_size, total)
    if result.is_total_visible:
        derived = total - sum(groups[g] for g in result.visible)
        assert derived == 0 or derived >= min_size
    else:
        # Without a visible total nothing can be subtracted; a hidden total means no group shows.
        assert total is None or not result.visible


@given(cases())
def test_groups_at_the_minimum_are_only_hidden_to_protect_another(case):
    groups, min_size, total = case
    result = suppress(groups, min_size, total)
    for group in result.hidden:
        if groups[group] >= min_size and result.is_total_visible:
            assert result.why[group] == "complementary"
    if total is None:
        assert result.hidden == {g for g, n in groups.items() if n < min_size}


@given(cases())
def test_suppression_is_deterministic_and_order_free(case):
    groups, min_size, total = case
    reordered = dict(reversed(list(groups.items())))
    assert suppress(groups, min_size, total) == suppress(reordered, min_size, total)
