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


def _changed(bucket: ColumnStatistics, spec: ColumnSpec, gone: list[object],
             came: list[object]) -> None:
    """Rows leave the bucket and others come, as a batch that replaces rows does it."""
    change = ColumnStatistics.empty(spec)
    change.add(_stats(spec, gone), -1)
    change.add(_stats(spec, came), 1)
    bucket.add(change)


def test_an_extreme_that_leaves_gives_way_to_the_next_value_kept() -> None:
    spec = ColumnSpec("score", "float", 0.0, 1.0)
    bucket = _stats(spec, [0.0, 0.0, 0.0, 0.4, 0.7, 1.0, 1.0])
    assert bucket.lows[:2] == ((0.0, 3), (0.4, 1)) and bucket.highs[0] == (1.0, 2)
    _changed(bucket, spec, [0.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.6, 0.6])
    assert not bucket.extremes_stale
    assert (bucket.low, bucket.high, bucket.count) == (0.4, 1.0, 7)


def test_extremes_are_read_again_only_when_every_value_kept_left() -> None:
    spec = ColumnSpec("x", "float", 0.0, 100.0)
    bucket = _stats(spec, [float(v) for v in range(20)])
    _changed(bucket, spec, [0.0, 1.0, 2.0], [50.0, 50.0, 50.0])
    assert not bucket.extremes_stale and bucket.low == 3.0
    _changed(bucket, spec, [3.0], [60.0])  # the last low kept leaves: 4 is not known
    assert bucket.extremes_stale


def test_extremes_follow_random_replacements_exactly() -> None:
    rng = np.random.default_rng(21)
    spec = ColumnSpec("x", "float", 0.0, 10.0)
    for _ in range(200):
        truth = [float(v) for v in rng.integers(0, 12, int(rng.integers(1, 40)))]
        bucket = _stats(spec, list(truth))
        for _ in range(10):
            picked = rng.permutation(len(truth))[:int(rng.integers(0, len(truth)))]
            gone = [truth[i] for i in picked]
            came = [float(v) for v in rng.integers(0, 12, int(rng.integers(0, 6)))]
            truth = [v for i, v in enumerate(truth) if i not in set(picked.tolist())] + came
            _changed(bucket, spec, gone, came)
            assert bucket.count == len(truth)
            if bucket.extremes_stale:  # what a re-read of the bucket's rows does
                fresh = _stats(spec, list(truth))
                bucket.lows, bucket.highs, bucket.extremes_stale = fresh.lows, fresh.highs, False
                continue
            values, counts = np.unique(np.array(truth), return_counts=True)
            expected = dict(zip(values.tolist(), counts.tolist(), strict=True))
            for value, times in bucket.lows + bucket.highs:
                assert expected[value] == times
            if truth:
                assert (bucket.low, bucket.high) == (min(truth), max(truth))
            assert [v for v, _ in bucket.lows] == sorted(expected)[:len(bucket.lows)]


def test_live_ingest_that_replaces_some_rows_never_needs_its_rows_read_again() -> None:
    rng = np.random.default_rng(22)
    spec = ColumnSpec("score", "float", 0.0, 1.0)
    truth = np.clip(rng.normal(0.5, 0.3, 1000), 0, 1).round(3).tolist()
    bucket = _stats(spec, list(truth))
    for _ in range(100):  # batches of 1,000 rows, a tenth of them replacing earlier ones
        picked = set(rng.choice(len(truth), 100, replace=False).tolist())
        gone = [truth[i] for i in picked]
        came = np.clip(rng.normal(0.5, 0.3, 1000), 0, 1).round(3).tolist()
        truth = [v for i, v in enumerate(truth) if i not in picked] + came
        _changed(bucket, spec, gone, came)
        assert not bucket.extremes_stale
        assert (bucket.low, bucket.high) == (min(truth), max(truth))
