"""Log loss, binary or multiclass, as scikit-learn's `log_loss` computes it.

Statistic: the exact sum of each labeled row's -log p(truth) (clipped as sklearn clips), and
the labeled rows without a probability in [0, 1].
"""

from __future__ import annotations

import numpy as np

from perfledger.domain.metrics.confusion import CLASSIFICATION
from perfledger.domain.metrics.exact import exact_sum, mean_of
from perfledger.domain.metrics.inputs import FloatArray, Shape
from perfledger.domain.metrics.metric import ALL_LABELS, Finishing, Metric, Reference
from perfledger.domain.metrics.statistics import Labeled
from perfledger.domain.vocabulary import Task

TOTALS = ("unscored", "log_losses")


def negative_logs(probability_of_truth: FloatArray) -> FloatArray:
    """Each row's log loss term."""
    # sklearn 1.9 clips to [eps, 1 - eps] of the dtype and no longer renormalises rows
    eps = np.finfo(probability_of_truth.dtype).eps
    terms: FloatArray = -np.log(np.clip(probability_of_truth, eps, 1 - eps))
    return terms


def contribute(shape: Shape, labeled: Labeled) -> dict[str, int]:
    if labeled.proba is None:  # binary: the positive label's probability
        scores = labeled.scores
        probability = (scores >= 0) & (scores <= 1)  # NaN fails both comparisons
        of_truth = np.where(labeled.true_codes == shape.positive, scores, 1.0 - scores)
        of_truth = of_truth[probability]
    else:
        probability = np.all((labeled.proba >= 0) & (labeled.proba <= 1), axis=1)
        of_truth = labeled.proba[np.flatnonzero(probability), labeled.true_codes[probability]]
    return {"unscored": int(np.count_nonzero(~probability)),
            "log_losses": exact_sum(negative_logs(of_truth))}


def log_loss(f: Finishing) -> float | None:
    stats, labeled, positive = f.stats, f.labeled, f.shape.positive
    if stats.total("unscored"):
        return None
    if positive is not None:
        positives = int(stats.confusion[positive].sum())
        if not 0 < positives < labeled:
            return None  # without labels= sklearn infers the classes from y_true
    elif f.shape.n_labels < 2:
        return None
    return mean_of(stats.total("log_losses"), labeled)


METRICS = (
    Metric("log_loss", "Log loss", CLASSIFICATION, False, "score", log_loss,
           Reference("log_loss", "scores",
                     {Task.MULTICLASS_CLASSIFICATION: {"labels": ALL_LABELS}}),
           needs_scores=True),
)
