"""Metrics of the confusion matrix: accuracy, precision, recall, F1, balanced accuracy and
Matthews' correlation, as scikit-learn computes them with `zero_division=0`.

Statistic: the labeled rows counted by (true label, predicted label), which adds up.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from perfledger.domain.metrics.inputs import BoolArray, FloatArray, IntArray, Shape
from perfledger.domain.metrics.metric import (
    POSITIVE_LABEL,
    Finishing,
    Metric,
    Reference,
)
from perfledger.domain.metrics.statistics import Labeled
from perfledger.domain.vocabulary import Task

CLASSIFICATION = frozenset({Task.BINARY_CLASSIFICATION, Task.MULTICLASS_CLASSIFICATION})
# precision, recall and F1: of the positive label (binary), else their macro average
_AVERAGED: dict[str, dict[str, object]] = {
    Task.BINARY_CLASSIFICATION: {"average": "binary", "pos_label": POSITIVE_LABEL,
                                 "zero_division": 0},
    Task.MULTICLASS_CLASSIFICATION: {"average": "macro", "zero_division": 0},
}


def counts(true_codes: IntArray, pred_codes: IntArray, n_labels: int) -> IntArray:
    """Rows by (true code, predicted code)."""
    flat_cells = true_codes.astype(np.int64) * n_labels + pred_codes
    matrix: IntArray = np.bincount(flat_cells, minlength=n_labels * n_labels).reshape(
        n_labels, n_labels).astype(np.int64)
    return matrix


def contribute(shape: Shape, labeled: Labeled) -> IntArray:
    return counts(labeled.true_codes, labeled.pred_codes, shape.n_labels)


class PerLabel:
    """Each label's precision, recall and F1 against the rest, 0 where undefined, and
    whether the label occurs at all (as truth or as prediction)."""

    def __init__(self, matrix: IntArray) -> None:
        self.true_positives: IntArray = np.diag(matrix)
        self.correct = int(self.true_positives.sum())
        self.true_counts, self.pred_counts = matrix.sum(axis=1), matrix.sum(axis=0)
        tp = self.true_positives.astype(np.float64)
        self.precision = _divide_or_zero(tp, self.pred_counts)
        self.recall = _divide_or_zero(tp, self.true_counts)
        # F1 from counts (2tp / (true + pred)) as sklearn does, not from precision and recall
        self.f1 = _divide_or_zero(2 * tp, self.true_counts + self.pred_counts)
        self.present: BoolArray = (self.true_counts + self.pred_counts) > 0


def _divide_or_zero(numerator: FloatArray, denominator: IntArray) -> FloatArray:
    out = np.zeros(numerator.shape, dtype=np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def per_label_of(f: Finishing) -> PerLabel:
    return PerLabel(f.stats.confusion)


def _averaged(scores: FloatArray, f: Finishing) -> float | None:
    """The positive label's score (binary), else the macro average over the labels present
    (sklearn's default label set)."""
    per_label = f.once(per_label_of)
    positive = f.shape.positive
    if positive is None:
        return float(np.mean(scores[per_label.present]))
    n_present = int(np.count_nonzero(per_label.present))
    if n_present > 2 or (n_present == 2 and not per_label.present[positive]):
        return None  # sklearn refuses average="binary" on such data
    return float(scores[positive])


def accuracy_of(correct: int, counted: int) -> float:
    """The share of the counted rows predicted right."""
    return correct / counted


def accuracy(f: Finishing) -> float:
    return accuracy_of(f.once(per_label_of).correct, f.labeled)


def precision(f: Finishing) -> float | None:
    return _averaged(f.once(per_label_of).precision, f)


def recall(f: Finishing) -> float | None:
    return _averaged(f.once(per_label_of).recall, f)


def f1_score(f: Finishing) -> float | None:
    return _averaged(f.once(per_label_of).f1, f)


def balanced_accuracy(f: Finishing) -> float:
    """The mean recall over the labels that occur as truth."""
    per_label = f.once(per_label_of)
    recalls = per_label.recall[per_label.true_counts > 0]
    return float(recalls.sum()) / int(recalls.size)  # np.mean's sum, less its overhead


def matthews_corrcoef(f: Finishing) -> float:
    """Gorodkin's multiclass form (binary: Matthews'), in exact integers; 0 where one side
    has a single label, as sklearn answers."""
    per_label = f.once(per_label_of)
    true_counts: list[int] = per_label.true_counts.tolist()
    pred_counts: list[int] = per_label.pred_counts.tolist()
    rows = f.labeled
    covariance: int = per_label.correct * rows - sum(map(operator.mul, true_counts, pred_counts))
    predicted_spread = rows * rows - sum(map(operator.mul, pred_counts, pred_counts))
    true_spread = rows * rows - sum(map(operator.mul, true_counts, true_counts))
    if predicted_spread * true_spread == 0:
        return 0.0
    return covariance / math.sqrt(predicted_spread * true_spread)


METRICS = (
    Metric("accuracy", "Accuracy", CLASSIFICATION, True, "percent", accuracy,
           Reference("accuracy_score"), headline_of=CLASSIFICATION),
    Metric("precision", "Precision", CLASSIFICATION, True, "percent", precision,
           Reference("precision_score", keywords=_AVERAGED)),
    Metric("recall", "Recall", CLASSIFICATION, True, "percent", recall,
           Reference("recall_score", keywords=_AVERAGED)),
    Metric("f1_score", "F1 score", CLASSIFICATION, True, "percent", f1_score,
           Reference("f1_score", keywords=_AVERAGED)),
    Metric("balanced_accuracy", "Balanced accuracy", CLASSIFICATION, True, "percent",
           balanced_accuracy, Reference("balanced_accuracy_score")),
    Metric("matthews_corrcoef", "MCC", CLASSIFICATION, True, "score",
           matthews_corrcoef, Reference("matthews_corrcoef")),
)
