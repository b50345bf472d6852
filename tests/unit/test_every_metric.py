"""Every metric of the registry, for every task it declares, kept as the service keeps it:
buckets of rows that batches add, replace (moving rows between buckets) and label late,
merged in random order into windows, equal scikit-learn on the final rows of each window.

A metric added to the registry is covered here with no other test code: its reference names
the scikit-learn function it must equal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from perfledger.domain.metrics.catalogue import METRICS
from perfledger.domain.metrics.inputs import Rows, TaskShape, problem_count
from perfledger.domain.metrics.measure import contribution, empty_statistics, finish
from perfledger.domain.metrics.metric import Metric
from perfledger.domain.metrics.ranks import RankedPairs
from perfledger.domain.metrics.statistics import Statistics
from tests.closeness import close_to
from tests.oracle import sklearn_value

BUCKETS = 6
ROW_IDS = 160
SEEDS = range(6)
CASES = [(metric, task) for metric in METRICS for task in sorted(metric.tasks)]


@dataclass
class Row:
    bucket: int
    truth: float  # NaN until labeled
    predicted: float
    score: float
    proba: list[float]


@dataclass
class Bucket:
    stats: Statistics
    pairs: list[RankedPairs] = field(default_factory=list)


class Traffic:
    """Random rows of one task: predictions sent in batches that also resend earlier row ids
    (replacing them, maybe in another bucket), and labels that arrive later."""

    def __init__(self, task: str, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        n_labels = 0 if task == "regression" else (
            2 if task == "binary_classification" else int(self.rng.integers(3, 6)))
        positive = int(self.rng.integers(0, 2)) if task == "binary_classification" else None
        self.shape = TaskShape(task, n_labels, positive)
        # some runs leave a few rows without scores: AUC and log loss are then undefined
        self.unscored_share = float(self.rng.choice([0.0, 0.0, 0.05]))

    def row(self) -> Row:
        rng, shape = self.rng, self.shape
        bucket = int(rng.integers(0, BUCKETS))
        if shape.task == "regression":
            target = float(rng.choice([0.0, rng.normal(5, 3)]))
            return Row(bucket, target, target + float(rng.normal(0, 1)), math.nan, [])
        truth = int(rng.integers(0, shape.n_labels))
        proba = rng.dirichlet(np.ones(shape.n_labels) * 0.7)
        predicted = int(proba.argmax()) if rng.random() < 0.7 else int(rng.integers(
            0, shape.n_labels))
        score = math.nan
        if shape.positive is not None:  # one decimal: ties, and exact 0 and 1
            lean = 0.35 if truth == shape.positive else 0.0
            score = round(min(1.0, lean + 0.65 * float(rng.random())), 1)
        if rng.random() < self.unscored_share:
            score, proba = math.nan, np.full(shape.n_labels, math.nan)
        return Row(bucket, float(truth), float(predicted), score, proba.tolist())

    def unlabeled(self, row: Row) -> Row:
        return Row(row.bucket, math.nan, row.predicted, row.score, row.proba)


def rows_of(shape: TaskShape, rows: list[Row]) -> Rows:
    proba = (np.array([r.proba for r in rows], dtype=np.float64).reshape(-1, shape.n_labels)
             if shape.task == "multiclass_classification" else None)
    return Rows(np.array([r.truth for r in rows], dtype=np.float64),
                np.array([r.predicted for r in rows], dtype=np.float64),
                np.array([r.score for r in rows], dtype=np.float64), proba)


def move(shape: TaskShape, bucket: Bucket, rows: list[Row], sign: int) -> None:
    """Adds the rows' contribution to the bucket (sign 1), or takes it back (-1)."""
    stats, ranked = contribution(shape, rows_of(shape, rows))
    bucket.stats.add(stats, sign)
    for pairs, (positives, negatives) in zip(bucket.pairs, ranked.problems, strict=True):
        (pairs.add if sign > 0 else pairs.remove)(positives, negatives)


def kept_buckets(traffic: Traffic) -> tuple[list[Bucket], dict[int, Row]]:
    """Buckets kept batch by batch, and the rows as the last batches left them."""
    shape, rng = traffic.shape, traffic.rng
    buckets = [Bucket(empty_statistics(shape),
                      [RankedPairs(np.empty(0), np.empty(0)) for _ in range(problem_count(shape))])
               for _ in range(BUCKETS)]
    current: dict[int, Row] = {}
    for _ in range(25):
        batch = {int(i): traffic.row()
                 for i in rng.choice(ROW_IDS, int(rng.integers(1, 30)), replace=False)}
        if rng.random() < 0.3:  # labels arriving late for rows already sent
            batch = {i: Row(row.bucket, traffic.row().truth, row.predicted, row.score, row.proba)
                     for i, row in current.items() if rng.random() < 0.3}
        else:  # predictions, some without their truth yet
            batch = {i: row if rng.random() < 0.6 else traffic.unlabeled(row)
                     for i, row in batch.items()}
        for index in range(BUCKETS):  # out first, then in, as the projection moves rows
            leaving = [current[i] for i in batch if i in current and current[i].bucket == index]
            entering = [row for row in batch.values() if row.bucket == index]
            move(shape, buckets[index], leaving, -1)
            move(shape, buckets[index], entering, 1)
        current.update(batch)
    return buckets, current


def merged(shape: TaskShape, buckets: list[Bucket]) -> Bucket:
    window = Bucket(empty_statistics(shape),
                    [RankedPairs(np.empty(0), np.empty(0)) for _ in range(problem_count(shape))])
    for bucket in buckets:
        window.stats.add(bucket.stats)
        for pairs, theirs in zip(window.pairs, bucket.pairs, strict=True):
            pairs.merge(theirs)
    return window


def value_of(metric: Metric, shape: TaskShape, window: Bucket) -> float | None:
    window.stats.twice_u = [pairs.twice_u for pairs in window.pairs]
    finished = finish(shape, window.stats)
    return None if finished is None else finished[metric.name]


def expected_on(metric: Metric, shape: TaskShape, rows: list[Row]) -> float | None:
    labeled = rows_of(shape, [row for row in rows if not math.isnan(row.truth)])
    scores = labeled.scores if shape.positive is not None else None
    return sklearn_value(metric, shape, labeled.truth.astype(np.int64)
                         if shape.task != "regression" else labeled.truth,
                         labeled.predicted.astype(np.int64)
                         if shape.task != "regression" else labeled.predicted,
                         None if scores is not None and np.isnan(scores).any() else scores,
                         None if labeled.proba is not None and np.isnan(labeled.proba).any()
                         else labeled.proba)


def assert_equal(found: float | None, expected: float | None, what: str) -> None:
    if expected is None:
        assert found is None, what
    else:
        assert found is not None, what
        assert found == close_to(expected), what


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("metric", "task"), CASES,
                         ids=[f"{metric.name}-{task}" for metric, task in CASES])
def test_merged_buckets_equal_sklearn_on_every_window(metric: Metric, task: str,
                                                      seed: int) -> None:
    traffic = Traffic(task, seed)
    shape = traffic.shape
    buckets, rows = kept_buckets(traffic)
    for _ in range(8):
        chosen = sorted(traffic.rng.choice(BUCKETS, int(traffic.rng.integers(1, BUCKETS + 1)),
                                           replace=False).tolist())
        in_window = [row for row in rows.values() if row.bucket in chosen]
        if not any(not math.isnan(row.truth) for row in in_window):
            assert value_of(metric, shape, merged(shape, [buckets[i] for i in chosen])) is None
            continue
        order = traffic.rng.permutation(chosen).tolist()
        window = merged(shape, [buckets[i] for i in order])
        assert_equal(value_of(metric, shape, window), expected_on(metric, shape, in_window),
                     f"buckets {order}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("metric", "task"), CASES,
                         ids=[f"{metric.name}-{task}" for metric, task in CASES])
def test_taking_a_bucket_back_from_a_merge_equals_merging_the_others(metric: Metric, task: str,
                                                                     seed: int) -> None:
    traffic = Traffic(task, seed)
    shape = traffic.shape
    buckets, _ = kept_buckets(traffic)
    left_out = int(traffic.rng.integers(0, BUCKETS))
    whole = merged(shape, buckets)
    whole.stats.add(buckets[left_out].stats, -1)
    for pairs, theirs in zip(whole.pairs, buckets[left_out].pairs, strict=True):
        pairs.merge(theirs, -1)
    others = merged(shape, [b for i, b in enumerate(buckets) if i != left_out])
    assert whole.stats.totals == others.stats.totals
    assert [p.twice_u for p in whole.pairs] == [p.twice_u for p in others.pairs]
    assert value_of(metric, shape, whole) == value_of(metric, shape, others)
