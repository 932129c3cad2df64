from hypothesis import given
from hypothesis import strategies as st

from maturity.core.display import shown
from maturity.core.progress import MIN_PRACTICAL_CHANGE, benchmark, change, shared_keys
from maturity.core.stats import DimensionStats


def s(mean, n=30, sd=10.0):
    return DimensionStats(n=n, mean=mean, sd=sd)


def test_a_large_change_in_large_groups_is_meaningful():
    c = change(s(50), s(60))
    assert c.is_meaningful and c.direction == "up" and round(c.value) == 10


def test_the_same_change_in_tiny_groups_is_noise():
    assert not change(s(50, n=5, sd=20), s(60, n=5, sd=20)).is_meaningful


def test_a_tiny_change_is_never_meaningful_however_many_responses():
    assert not change(s(50, n=5000, sd=5), s(53, n=5000, sd=5)).is_meaningful


def test_missing_side_gives_no_change():
    assert change(None, s(50)) is None and change(s(50), None) is None


@given(st.floats(0, 100), st.floats(0, 100), st.integers(2, 500), st.floats(0.1, 40))
def test_meaningful_changes_exceed_both_the_minimum_and_the_margin(a, b, n, sd):
    c = change(s(a, n, sd), s(b, n, sd))
    # The practical minimum on the change as shown (what the reader subtracts), the margin on the exact one.
    assert c.shown == shown(b, 0) - shown(a, 0)
    assert c.is_meaningful == (abs(c.shown) >= MIN_PRACTICAL_CHANGE and c.margin is not None and abs(c.value) > c.margin)


def test_shared_keys_keep_the_current_order():
    assert shared_keys(["a", "b", "c"], ["c", "x", "a"]) == ["c", "a"]


def test_benchmark_needs_five_other_organisations():
    assert benchmark({1: 50, 2: 60, 3: 70, 4: 40}) is None
    b = benchmark({1: 50, 2: 60, 3: 70, 4: 40, 5: 30})
    assert b.organisations == 5 and b.mean == 50
