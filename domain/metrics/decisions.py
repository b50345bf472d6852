"""A job's decisions scored against the analysts' consensus, as the jobs dialect reports them:
per decision its one-vs-rest counts, precision, recall and F1 (0 where undefined), and
overall their means over every decision of the job, with the accuracy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from perfledger.domain.metrics.confusion import PerLabel, accuracy_of
from perfledger.domain.metrics.inputs import IntArray

Cell = tuple[int, int, int]  # decision code, consensus code (negative: none), events
PER_DECISION_FIELDS = ("precision", "recall", "f1_score", "true_positives", "true_negatives",
                       "false_positives", "false_negatives")
OVERALL_FIELDS = ("overall_accuracy", "overall_f1_score", "overall_recall",
                  "overall_precision", "confusion_matrix", "metrics_per_decision")


def decision_matrix(size: int, cells: Iterable[Cell]) -> IntArray:
    """Rows are consensus labels, columns decisions, both in the job's decision order."""
    matrix = np.zeros((size, size), dtype=np.int64)
    found = np.array([cell for cell in cells if cell[1] >= 0], dtype=np.int64).reshape(-1, 3)
    np.add.at(matrix, (found[:, 1], found[:, 0]), found[:, 2])
    return matrix


def decision_scores(decisions: Sequence[str], cells: Iterable[Cell]) -> dict[str, Any]:
    """The seed's metric fields; per-decision ratios are 0 where undefined, means null."""
    matrix = decision_matrix(len(decisions), cells)
    per = PerLabel(matrix)
    total = int(matrix.sum())
    tp = per.true_positives
    fp = per.pred_counts - tp
    fn = per.true_counts - tp
    tn = total - tp - fp - fn
    per_decision = {
        label: {
            "precision": float(per.precision[i]), "recall": float(per.recall[i]),
            "f1_score": float(per.f1[i]), "true_positives": int(tp[i]),
            "true_negatives": int(tn[i]), "false_positives": int(fp[i]),
            "false_negatives": int(fn[i]),
        }
        for i, label in enumerate(decisions)
    }
    some = total > 0
    return {
        "confusion_matrix": matrix.tolist(),
        "overall_accuracy": accuracy_of(per.correct, total) if some else None,
        "overall_f1_score": float(per.f1.mean()) if some else None,
        "overall_recall": float(per.recall.mean()) if some else None,
        "overall_precision": float(per.precision.mean()) if some else None,
        "metrics_per_decision": per_decision,
        "correct": int(np.trace(matrix)),
        "with_consensus": total,
    }


def in_decision_order(decisions: Sequence[str], per_decision: dict[str, Any]) -> dict[str, Any]:
    """Per-decision metrics in the job's order (stored JSON may have sorted the keys)."""
    return {label: {name: per_decision[label][name] for name in PER_DECISION_FIELDS}
            for label in decisions if label in per_decision}
