"""ROC AUC, binary or one-vs-rest macro over three or more labels, as scikit-learn's
`roc_auc_score` computes it.

Statistic: per binary problem, twice the Mann-Whitney U of the positives' scores over the
negatives' (which equals the area under the ROC), and the labeled rows without the scores it
needs. U merges with the scores it counts (`ranks`); the rows are counted in the confusion
matrix.
"""

from __future__ import annotations

import math

import numpy as np

from perfledger.domain.metrics.confusion import CLASSIFICATION, per_label_of
from perfledger.domain.metrics.inputs import BoolArray, FloatArray, Shape
from perfledger.domain.metrics.metric import ALL_LABELS, Finishing, Metric, Reference
from perfledger.domain.metrics.statistics import Labeled, Ranked
from perfledger.domain.vocabulary import Task

TOTALS = ("unranked",)  # labeled rows without a finite score (or probabilities summing to 1)


def sums_to_one(proba: FloatArray) -> BoolArray:
    """Per row: whether it passes sklearn's "Target scores need to be probabilities" check
    (np.allclose's tolerance)."""
    sums = proba.sum(axis=1)
    ok: BoolArray = np.abs(1 - sums) <= 1e-8 + 1e-5 * np.abs(sums)
    return ok


def contribute(shape: Shape, labeled: Labeled) -> tuple[dict[str, int], Ranked]:
    true_codes = labeled.true_codes
    if labeled.proba is None:  # binary: the positive label's probability
        is_positive = true_codes == shape.positive
        ranked = np.isfinite(labeled.scores)
        return ({"unranked": int(np.count_nonzero(~ranked))},
                Ranked([(labeled.scores[ranked & is_positive],
                         labeled.scores[ranked & ~is_positive])]))
    proba = labeled.proba
    ranked = np.isfinite(proba).all(axis=1) & sums_to_one(np.where(np.isfinite(proba), proba,
                                                                   0.0))
    totals = {"unranked": int(np.count_nonzero(~ranked))}
    if shape.n_labels < 3:  # sklearn takes its binary path, which rejects 2-D scores
        return totals, Ranked([])
    return totals, Ranked([(proba[ranked & (true_codes == code), code],
                            proba[ranked & (true_codes != code), code])
                           for code in range(shape.n_labels)])


def roc_auc(f: Finishing) -> float | None:
    stats, labeled, positive = f.stats, f.labeled, f.shape.positive
    if stats.total("unranked"):
        return None
    true_counts = f.once(per_label_of).true_counts
    if positive is not None:
        positives = int(true_counts[positive])
        if not 0 < positives < labeled:
            return None
        return stats.twice_u[0] / (2 * positives * (labeled - positives))
    every_class = bool((true_counts > 0).all() and (true_counts < labeled).all())
    if f.shape.n_labels < 3 or not every_class:
        return None  # a label without positives or negatives makes sklearn's average NaN
    return math.fsum(u / (2 * int(n) * (labeled - int(n)))
                     for u, n in zip(stats.twice_u, true_counts.tolist(), strict=True)
                     ) / f.shape.n_labels


METRICS = (
    Metric("roc_auc", "ROC AUC", CLASSIFICATION, True, "score", roc_auc,
           Reference("roc_auc_score", "scores", {Task.MULTICLASS_CLASSIFICATION: {
               "multi_class": "ovr", "average": "macro", "labels": ALL_LABELS}}),
           needs_scores=True),
)
