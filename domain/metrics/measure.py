"""Measuring rows: a batch's contribution to a bucket's statistics from every family, and the
metrics finished from statistics."""

from __future__ import annotations

from perfledger.domain.metrics import confusion, errors, log_loss, ranking
from perfledger.domain.metrics.catalogue import metrics_for
from perfledger.domain.metrics.inputs import (
    ScoredRows,
    Shape,
    classifies,
    measured_as,
    problem_count,
)
from perfledger.domain.metrics.metric import Finishing
from perfledger.domain.metrics.ranks import pairs_within
from perfledger.domain.metrics.statistics import Labeled, Ranked, Statistics

Metrics = dict[str, float | None]


def empty_statistics(shape: Shape) -> Statistics:
    """A scope without rows: zero counts and sums, and a zero U per binary problem."""
    return Statistics(shape.n_labels, twice_u=[0] * problem_count(shape))


def contribution(shape: Shape, rows: ScoredRows) -> tuple[Statistics, Ranked]:
    """What the rows add to a bucket's statistics, and their scores for ROC AUC (whose U
    the caller counts against the scores it holds)."""
    labeled = Labeled(shape, rows)
    stats = Statistics(shape.n_labels, {"rows": int(rows.truth.size), "labeled": labeled.count})
    if not classifies(shape):
        stats.totals.update(errors.contribute(labeled))
        return stats, Ranked([])
    stats.confusion = confusion.contribute(shape, labeled)
    stats.totals.update(log_loss.contribute(shape, labeled))
    unranked, ranked = ranking.contribute(shape, labeled)
    stats.totals.update(unranked)
    return stats, ranked


def finish(shape: Shape, stats: Statistics) -> Metrics | None:
    """Every metric of the task; None without labeled rows."""
    if stats.total("labeled") == 0:
        return None
    finishing = Finishing(shape, stats)
    return {metric.name: metric.finish(finishing)
            for metric in metrics_for(measured_as(shape.task))}


def metrics_of(shape: Shape, rows: ScoredRows) -> Metrics | None:
    """The metrics of the labeled rows at once (equal to any merge of their buckets')."""
    stats, ranked = contribution(shape, rows)
    stats.twice_u = [pairs_within(positives, negatives) for positives, negatives in ranked.problems]
    return finish(shape, stats)
