"""Scores of decisions against consensus: confusion matrix, one-vs-rest counts and means."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

Cell = tuple[int, int, int]  # decision code, consensus code (negative: none), events


def confusion_matrix(size: int, cells: Iterable[Cell]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Rows are consensus labels, columns decisions, both in the job's decision order."""
    matrix = np.zeros((size, size), dtype=np.int64)
    for decision, consensus, events in cells:
        if consensus >= 0:
            matrix[consensus, decision] += events
    return matrix


def decision_scores(decisions: Sequence[str], cells: Iterable[Cell]) -> dict[str, Any]:
    """The seed's metric fields; per-decision ratios are 0 where undefined, means null."""
    matrix = confusion_matrix(len(decisions), cells)
    total = int(matrix.sum())
    tp = np.diag(matrix)
    fp = matrix.sum(axis=0) - tp
    fn = matrix.sum(axis=1) - tp
    tn = total - tp - fp - fn
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    per_decision = {
        label: {
            "precision": float(precision[i]), "recall": float(recall[i]),
            "f1_score": float(f1[i]), "true_positives": int(tp[i]),
            "true_negatives": int(tn[i]), "false_positives": int(fp[i]),
            "false_negatives": int(fn[i]),
        }
        for i, label in enumerate(decisions)
    }
    some = total > 0
    return {
        "confusion_matrix": matrix.tolist(),
        "overall_accuracy": float(np.trace(matrix) / total) if some else None,
        "overall_f1_score": float(f1.mean()) if some else None,
        "overall_recall": float(recall.mean()) if some else None,
        "overall_precision": float(precision.mean()) if some else None,
        "metrics_per_decision": per_decision,
        "correct": int(np.trace(matrix)),
        "with_consensus": total,
    }


PER_DECISION_FIELDS = ("precision", "recall", "f1_score", "true_positives", "true_negatives",
                       "false_positives", "false_negatives")


def in_decision_order(decisions: Sequence[str], per_decision: dict[str, Any]) -> dict[str, Any]:
    """Per-decision metrics in the job's order (stored JSON may have sorted the keys)."""
    return {label: {name: per_decision[label][name] for name in PER_DECISION_FIELDS}
            for label in decisions if label in per_decision}


def _ratio(numerator: np.ndarray[Any, Any], denominator: np.ndarray[Any, Any]
           ) -> np.ndarray[Any, np.dtype[np.float64]]:
    safe = np.where(denominator > 0, denominator, 1)
    return np.where(denominator > 0, numerator / safe, 0.0)
