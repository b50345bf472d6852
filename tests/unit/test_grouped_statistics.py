"""Statistics of many buckets at once equal each bucket's alone: exact sums, sums of squares,
bins, counts and extremes."""

from __future__ import annotations

import numpy as np

from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics.columns import (
    ColumnStatistics,
    measure,
    statistics_by_group,
    statistics_of,
)
from perfledger.domain.metrics.exact import (
    exact_sum,
    exact_sum_of_squares,
    exact_sums_by_group,
    exact_sums_of_squares_by_group,
)


def test_grouped_exact_sums_equal_each_groups_own_including_subnormals_and_huge_values() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0, 1e3, 5000), rng.normal(0, 1e-200, 10),
                             [0.0, 1e150, -3.5e-310, 5e-324]])
    groups = rng.integers(0, 37, values.size)
    sums = exact_sums_by_group(values, groups, 40)
    squares = exact_sums_of_squares_by_group(values, groups, 40)
    for group in range(40):
        mine = values[groups == group]
        assert sums[group] == exact_sum(mine)
        assert squares[group] == exact_sum_of_squares(mine)
    assert sums[38] == squares[39] == 0  # groups without values


def test_grouped_statistics_equal_each_buckets_own() -> None:
    rng = np.random.default_rng(5)
    values: list[object] = [float(v) for v in rng.normal(50, 30, 3000)]
    for i in range(0, 3000, 17):
        values[i] = None if i % 2 else "text"
    spec = ColumnSpec("x", "float", 0.0, 100.0)
    measured, _ = measure(spec, values)
    groups = rng.integers(0, 24, len(values)).astype(np.int64)
    together = statistics_by_group(spec, measured, groups, 24)
    for group in range(24):
        alone = statistics_of(spec, measured, np.flatnonzero(groups == group))
        assert together[group].to_json() == alone.to_json()


def _stats(spec: ColumnSpec, values: list[object]) -> ColumnStatistics:
    return statistics_of(spec, measure(spec, values)[0])


def test_a_change_that_takes_back_values_inside_the_extremes_keeps_them() -> None:
    spec = ColumnSpec("x", "float", 0.0, 10.0)
    bucket = _stats(spec, [1.0, 5.0, 6.0, 9.0])
    change = ColumnStatistics.empty(spec)
    change.add(_stats(spec, [5.0, 6.0]), -1)  # replaced rows leave...
    change.add(_stats(spec, [7.0, 0.5]), 1)  # ...and their new values come
    bucket.add(change)
    assert not bucket.extremes_stale
    assert (bucket.low, bucket.high, bucket.count) == (0.5, 9.0, 4)


def test_a_change_that_takes_back_an_extreme_marks_the_extremes_stale() -> None:
    spec = ColumnSpec("x", "float", 0.0, 10.0)
    for gone in ([1.0], [9.0], [1.0, 9.0]):
        bucket = _stats(spec, [1.0, 5.0, 9.0])
        change = ColumnStatistics.empty(spec)
        change.add(_stats(spec, gone), -1)
        change.add(_stats(spec, [5.0] * len(gone)), 1)
        bucket.add(change)
        assert bucket.extremes_stale, gone


def test_an_extreme_shared_by_several_values_stays_until_the_last_of_them_leaves() -> None:
    spec = ColumnSpec("score", "float", 0.0, 1.0)
    bucket = _stats(spec, [0.0, 0.0, 0.0, 0.4, 1.0, 1.0])
    assert (bucket.low_count, bucket.high_count) == (3, 2)
    for left in (2, 1):  # two of the three zeros leave, then the third
        change = ColumnStatistics.empty(spec)
        change.add(_stats(spec, [0.0] * left), -1)
        change.add(_stats(spec, [0.5] * left), 1)
        bucket.add(change)
    assert bucket.extremes_stale
    bucket = _stats(spec, [0.0, 0.0, 0.0, 0.4, 1.0, 1.0])
    change = ColumnStatistics.empty(spec)
    change.add(_stats(spec, [0.0, 0.0, 1.0]), -1)
    bucket.add(change)
    assert not bucket.extremes_stale
    assert (bucket.low, bucket.low_count, bucket.high, bucket.high_count) == (0.0, 1, 1.0, 1)
