from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.core import (
    MIN_PRACTICAL_GAP,
    DimensionStats,
    GroupProfile,
    compute_gap,
    cronbach_alpha,
    describe,
    profile_gaps,
    t_critical_95,
    welch_df,
    welch_standard_error,
)

values_lists = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=60)


@given(values_lists)
def test_describe_matches_statistics_module(values):
    stats = describe(values)
    assert stats.n == len(values)
    assert stats.mean == pytest.approx(statistics.fmean(values))
    expected_sd = statistics.stdev(values) if len(values) > 1 else 0.0
    assert stats.sd == pytest.approx(expected_sd, abs=1e-9)


@given(values_lists)
def test_from_sums_matches_describe(values):
    # What SQL gives as count(x), sum(x), sum(x*x) must rebuild the same statistics.
    rebuilt = DimensionStats.from_sums(len(values), sum(values), sum(v * v for v in values))
    direct = describe(values)
    assert rebuilt.n == direct.n
    assert rebuilt.mean == pytest.approx(direct.mean)
    assert rebuilt.sd == pytest.approx(direct.sd, abs=1e-4)


def test_describe_skips_none_and_empty_is_none():
    assert describe([None, None]) is None
    assert describe([]) is None
    assert describe([None, 50.0]) == DimensionStats(1, 50.0, 0.0)


@pytest.mark.parametrize("bad", [dict(n=0, mean=1, sd=0), dict(n=2, mean=1, sd=-1), dict(n=2, mean=math.nan, sd=1)])
def test_dimension_stats_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        DimensionStats(**bad)


@pytest.mark.parametrize(("df", "t"), [(1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042), (60, 2.000), (None, 1.960)])
def test_t_critical_values(df, t):
    assert t_critical_95(df) == pytest.approx(t, abs=1e-3)


def test_t_critical_is_exact_between_whole_degrees_of_freedom():
    # Checked through the t distribution's CDF, via the regularised incomplete beta function:
    # P(T <= x) = 1 - I(df / (df + x²); df/2, 1/2) / 2 must be 0.975 for every df.
    from scipy.special import betainc

    for df in (1.0, 1.3, 2.5, 7.77, 50, 333.3):
        x = t_critical_95(df)
        assert 1 - betainc(df / 2, 0.5, df / (df + x * x)) / 2 == pytest.approx(0.975, abs=1e-12)
    assert t_critical_95(50) == pytest.approx(2.0086, abs=1e-4)


def test_t_critical_decreases():
    previous = math.inf
    for df in [1, 1.5, 2, 3.3, 7, 29.5, 35, 80, 119, 500, 10_000]:
        assert t_critical_95(df) < previous
        previous = t_critical_95(df)
    assert t_critical_95(10**9) == pytest.approx(1.96, abs=1e-3)


def test_welch_on_known_numbers():
    a, b = DimensionStats(20, 70, 10), DimensionStats(40, 55, 20)
    assert welch_standard_error(a, b) == pytest.approx(math.sqrt(100 / 20 + 400 / 40))
    # Welch–Satterthwaite: (5 + 10)^2 / (25/19 + 100/39)
    assert welch_df(a, b) == pytest.approx(225 / (25 / 19 + 100 / 39))
    assert welch_standard_error(DimensionStats(1, 70, 0), b) is None


# -- gaps ----------------------------------------------------------------------------------------


def test_large_certain_gap_is_meaningful():
    gap = compute_gap(DimensionStats(20, 75, 10), DimensionStats(40, 55, 15))
    assert gap.value == 20 and gap.direction == "above"
    assert gap.is_meaningful and gap.why == "meaningful"
    assert gap.margin == pytest.approx(t_critical_95(welch_df(DimensionStats(20, 75, 10), DimensionStats(40, 55, 15))) * gap.standard_error)


def test_small_gap_is_not_meaningful_however_certain():
    gap = compute_gap(DimensionStats(500, 60, 1), DimensionStats(500, 55, 1))
    assert not gap.is_meaningful and gap.why == "below_practical_minimum"


def test_a_gap_is_decided_on_its_size_as_shown_and_its_margin_only_reported():
    internal, tight, loose = DimensionStats(20, 70, 8), DimensionStats(30, 55, 8), DimensionStats(6, 55, 30)
    narrow, wide = compute_gap(internal, tight), compute_gap(internal, loose)
    assert narrow.is_meaningful and wide.is_meaningful and narrow.marks == wide.marks == 1.3
    assert wide.margin > narrow.margin


def test_gap_below_customers():
    gap = compute_gap(DimensionStats(30, 50, 5), DimensionStats(30, 70, 5))
    assert gap.direction == "below" and gap.is_meaningful and gap.value == -20


def test_gap_with_a_single_response_has_no_margin():
    gap = compute_gap(DimensionStats(1, 90, 0), DimensionStats(50, 40, 5))
    assert gap.margin is None and gap.marks == 4.5


def test_profile_gaps():
    profile = GroupProfile(
        mirror_self=DimensionStats(10, 70, 5), mirror_estimate=DimensionStats(10, 60, 5), mirror_customer=DimensionStats(10, 58, 5)
    )
    self_gap, estimate_gap = profile_gaps(profile)
    assert self_gap.kind == "self_vs_customer" and self_gap.value == 12
    assert estimate_gap.kind == "estimate_vs_customer" and not estimate_gap.is_meaningful
    assert profile_gaps(GroupProfile(mirror_self=DimensionStats(10, 70, 5))) == (None, None)
    assert MIN_PRACTICAL_GAP == pytest.approx(100 / 9)


# -- Cronbach's alpha ------------------------------------------------------------------------------


def reference_alpha(rows):
    k = len(rows[0])
    item_var = sum(statistics.variance([r[i] for r in rows]) for i in range(k))
    total_var = statistics.variance([sum(r) for r in rows])
    return k / (k - 1) * (1 - item_var / total_var)


def alpha(rows, **kwargs):
    return cronbach_alpha(rows, min_respondents=2, **kwargs)


def test_alpha_of_perfectly_parallel_items_is_one():
    assert alpha([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]) == pytest.approx(1.0)


def test_alpha_on_a_worked_example():
    rows = [[4, 5, 4, 3], [2, 2, 3, 2], [5, 4, 5, 5], [3, 3, 2, 3], [4, 4, 4, 5], [1, 2, 1, 2]]
    assert alpha(rows) == pytest.approx(reference_alpha(rows))
    assert 0.9 < alpha(rows) < 1


def test_alpha_is_not_reported_below_its_minimum_of_respondents():
    rows = [[4, 5, 4, 3], [2, 2, 3, 2], [5, 4, 5, 5], [3, 3, 2, 3], [4, 4, 4, 5], [1, 2, 1, 2]]
    assert cronbach_alpha(rows) is None  # 6 < MIN_ALPHA_RESPONDENTS
    assert cronbach_alpha(rows * 2) == pytest.approx(reference_alpha(rows * 2))


def test_alpha_with_the_default_share_counts_complete_respondents_only():
    rows = [[4, 5, 4], [2, 2, 3], [5, 4, 5], [3, 3, 2]]
    assert alpha(rows + [[1, None, 5]]) == pytest.approx(alpha(rows))


def test_alpha_fills_a_dont_know_with_the_respondents_own_mean():
    rows = [[4, 5, 4], [2, 2, 3], [5, 4, 5], [3, 3, 2]]
    assert alpha(rows + [[1, None, 5]], min_answered_share=0.5) == pytest.approx(alpha(rows + [[1, 3, 5]]))
    # Fewer than half answered: left out.
    assert alpha(rows + [[1, None, None]], min_answered_share=0.5) == pytest.approx(alpha(rows))


@pytest.mark.parametrize(
    "rows",
    [[], [[1], [2], [3]], [[1, 2], [None, 3]], [[3, 3], [3, 3], [3, 3]]],
    ids=["empty", "one item", "one complete respondent", "no variance"],
)
def test_alpha_is_none_when_undefined(rows):
    assert alpha(rows) is None


def test_alpha_refuses_ragged_rows():
    with pytest.raises(ValueError):
        alpha([[1, 2], [1]])


@given(st.lists(st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=3, max_size=30))
def test_alpha_matches_reference_and_is_at_most_one(rows):
    value = alpha(rows)
    if statistics.variance([sum(r) for r in rows]) == 0:
        assert value is None
    else:
        assert value == pytest.approx(reference_alpha(rows))
        assert value <= 1 + 1e-9
