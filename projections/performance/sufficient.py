"""A series' summary as sufficient statistics: counts and exact sums that a batch changes by
adding its rows' contribution and subtracting what the rows it replaced contributed, and
the metrics they give, equal to `metrics_of` over every row.

ROC AUC is not a sum over rows; its U statistics are kept beside these (see `ranks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from perfledger.projections.performance.exact import (
    as_float,
    exact_sum,
    exact_sum_of_squares,
    mean_of,
    spread_of,
)
from perfledger.projections.performance.metrics import (
    CLASSIFICATION_KEYS,
    REGRESSION_KEYS,
    Metrics,
    negative_logs,
    precision_recall_f1,
    sums_to_one,
)
from perfledger.projections.performance.windows import SeriesKind, WindowRows

FloatArray = npt.NDArray[np.float64]
_EPS = float(np.finfo(np.float64).eps)
# Additive totals: counts of rows, and exact sums (see `exact`).
TOTALS = (
    "rows", "labeled",
    # classification: labeled rows without what ROC AUC or log loss need, and the log loss
    "unranked", "unscored", "log_losses",
    # regression: labeled rows with a non-finite value, and the finite rows' sums
    "non_finite", "squared_errors", "absolute_errors", "percentage_errors", "targets",
    "target_squares",
)


@dataclass
class Statistics:
    """What a series' metrics are computed from."""

    n_labels: int
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    confusion: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    twice_u: list[int] = field(default_factory=list)  # per binary problem (see `ranks`)

    def __post_init__(self) -> None:
        if self.confusion.shape != (self.n_labels, self.n_labels):
            self.confusion = np.zeros((self.n_labels, self.n_labels), np.int64)

    def add(self, other: Statistics, sign: int = 1) -> None:
        for name, value in other.totals.items():
            self.totals[name] += sign * value
        self.confusion += sign * other.confusion

    def to_json(self) -> dict[str, object]:
        # big integers as hexadecimal text: exact, and quick to write and read back
        return {"n_labels": self.n_labels, "totals": {k: hex(v) for k, v in self.totals.items()},
                "confusion": self.confusion.tolist(), "twice_u": [hex(u) for u in self.twice_u]}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> Statistics:
        totals, n_labels = value["totals"], int(value["n_labels"])  # type: ignore[call-overload]
        assert isinstance(totals, dict)
        confusion = np.array(value["confusion"], dtype=np.int64).reshape(n_labels, n_labels)
        return cls(n_labels, {name: int(totals.get(name, "0"), 16) for name in TOTALS},
                   confusion, [int(u, 16) for u in value["twice_u"]])  # type: ignore[attr-defined]


def empty_statistics(kind: SeriesKind) -> Statistics:
    """A scope without rows: zero counts and sums, and a zero U per binary problem."""
    return Statistics(kind.n_labels, twice_u=[0] * problem_count(kind))


def problem_count(kind: SeriesKind) -> int:
    """The binary problems ROC AUC averages over: one (binary), one per label (multiclass
    with three or more labels), none otherwise."""
    if not kind.is_classification:
        return 0
    if kind.positive is not None:
        return 1
    return kind.n_labels if kind.n_labels >= 3 else 0


@dataclass(frozen=True)
class Ranked:
    """The labeled rows that take part in ROC AUC: per binary problem, the positives' and
    the negatives' scores."""

    problems: list[tuple[FloatArray, FloatArray]]


def contribution(kind: SeriesKind, rows: WindowRows) -> tuple[Statistics, Ranked]:
    """What the rows add to a series' statistics, and their scores for ROC AUC."""
    stats = Statistics(kind.n_labels)
    labeled = ~np.isnan(rows.truth)
    totals = stats.totals
    totals["rows"], totals["labeled"] = len(rows), int(np.count_nonzero(labeled))
    if not kind.is_classification:
        _add_regression(totals, rows.truth[labeled], rows.predicted[labeled])
        return stats, Ranked([])
    true_codes = rows.truth[labeled].astype(np.int64)
    pred_codes = rows.predicted[labeled].astype(np.int64)
    flat = true_codes * kind.n_labels + pred_codes
    stats.confusion = np.bincount(flat, minlength=kind.n_labels**2).reshape(
        kind.n_labels, kind.n_labels).astype(np.int64)
    if kind.positive is not None:
        return stats, _add_binary(totals, kind.positive, true_codes, rows.scores[labeled])
    proba = (np.full((true_codes.size, kind.n_labels), np.nan) if rows.proba is None
             else rows.proba[labeled])
    return stats, _add_multiclass(totals, kind.n_labels, true_codes, proba)


def _add_regression(totals: dict[str, int], targets: FloatArray,
                    predictions: FloatArray) -> None:
    finite = np.isfinite(targets) & np.isfinite(predictions)
    totals["non_finite"] = int(np.count_nonzero(~finite))
    targets, residuals = targets[finite], targets[finite] - predictions[finite]
    totals["squared_errors"] = exact_sum(residuals**2)
    totals["absolute_errors"] = exact_sum(np.abs(residuals))
    totals["percentage_errors"] = exact_sum(np.abs(residuals) / np.maximum(np.abs(targets),
                                                                           _EPS))
    totals["targets"] = exact_sum(targets)
    totals["target_squares"] = exact_sum_of_squares(targets)


def _add_binary(totals: dict[str, int], positive: int, true_codes: npt.NDArray[np.int64],
                scores: FloatArray) -> Ranked:
    is_positive = true_codes == positive
    ranked = np.isfinite(scores)
    totals["unranked"] = int(np.count_nonzero(~ranked))
    probability = (scores >= 0) & (scores <= 1)
    totals["unscored"] = int(np.count_nonzero(~probability))
    of_truth = np.where(is_positive, scores, 1.0 - scores)[probability]
    totals["log_losses"] = exact_sum(negative_logs(of_truth))
    return Ranked([(scores[ranked & is_positive], scores[ranked & ~is_positive])])


def _add_multiclass(totals: dict[str, int], n_labels: int, true_codes: npt.NDArray[np.int64],
                    proba: FloatArray) -> Ranked:
    finite = np.isfinite(proba).all(axis=1)
    ranked = finite & sums_to_one(np.where(np.isfinite(proba), proba, 0.0))
    totals["unranked"] = int(np.count_nonzero(~ranked))
    probability = ((proba >= 0) & (proba <= 1)).all(axis=1)
    totals["unscored"] = int(np.count_nonzero(~probability))
    of_truth = proba[np.flatnonzero(probability), true_codes[probability]]
    totals["log_losses"] = exact_sum(negative_logs(of_truth))
    if n_labels < 3:
        return Ranked([])
    return Ranked([(proba[ranked & (true_codes == code), code],
                    proba[ranked & (true_codes != code), code]) for code in range(n_labels)])


def metrics_from(kind: SeriesKind, stats: Statistics) -> Metrics | None:
    """The summary's metrics; None without labeled rows (as `metrics_of`)."""
    labeled = stats.totals["labeled"]
    if labeled == 0:
        return None
    if kind.is_classification:
        return _classification(kind, stats, labeled)
    return _regression(stats.totals, labeled)


def _classification(kind: SeriesKind, stats: Statistics, labeled: int) -> Metrics:
    totals, confusion = stats.totals, stats.confusion
    precision, recall, f1 = precision_recall_f1(confusion, kind.positive)
    true_counts = confusion.sum(axis=1)
    roc_auc = log_loss = None
    if kind.positive is not None:
        positives = int(true_counts[kind.positive])
        both_classes = 0 < positives < labeled
        if both_classes and totals["unranked"] == 0:
            roc_auc = stats.twice_u[0] / (2 * positives * (labeled - positives))
        if both_classes and totals["unscored"] == 0:
            log_loss = mean_of(totals["log_losses"], labeled)
    else:
        every_class = bool((true_counts > 0).all() and (true_counts < labeled).all())
        if kind.n_labels >= 3 and totals["unranked"] == 0 and every_class:
            roc_auc = math.fsum(
                u / (2 * int(n) * (labeled - int(n)))
                for u, n in zip(stats.twice_u, true_counts.tolist(), strict=True)
            ) / kind.n_labels
        if kind.n_labels >= 2 and totals["unscored"] == 0:
            log_loss = mean_of(totals["log_losses"], labeled)
    values = dict(zip(CLASSIFICATION_KEYS, (
        int(np.trace(confusion)) / labeled, precision, recall, f1, roc_auc, log_loss),
        strict=True))
    return values


def _regression(totals: dict[str, int], labeled: int) -> Metrics:
    if totals["non_finite"]:
        return dict.fromkeys(REGRESSION_KEYS)
    mse = mean_of(totals["squared_errors"], labeled)
    r_squared = None
    if labeled >= 2:
        error = as_float(totals["squared_errors"])
        spread = spread_of(totals["targets"], totals["target_squares"], labeled)
        # sklearn's force_finite rules: perfect predictions score 1, constant targets 0
        r_squared = 1.0 if error == 0 else 0.0 if spread == 0 else 1 - error / float(spread)
    return dict(zip(REGRESSION_KEYS, (
        math.sqrt(mse), mse, mean_of(totals["absolute_errors"], labeled),
        mean_of(totals["percentage_errors"], labeled), r_squared), strict=True))
