"""Model-performance metrics in vectorised numpy that reproduce scikit-learn's values."""

import math

import numpy as np
import numpy.typing as npt

from perfledger.domain.vocabulary import CLASSIFICATION_METRICS, REGRESSION_METRICS

Metrics = dict[str, float | None]
_IntArray = npt.NDArray[np.int64]
_FloatArray = npt.NDArray[np.float64]
_BoolArray = npt.NDArray[np.bool_]
_Triple = tuple[float | None, float | None, float | None]

CLASSIFICATION_KEYS = CLASSIFICATION_METRICS
REGRESSION_KEYS = REGRESSION_METRICS


def confusion_matrix(
    true_codes: _IntArray, pred_codes: _IntArray, n_labels: int
) -> list[list[int]]:
    """Counts of rows by (true code, predicted code), as plain Python ints."""
    counts: list[list[int]] = _confusion_counts(true_codes, pred_codes, n_labels).tolist()
    return counts


def classification_metrics(
    true_codes: _IntArray,
    pred_codes: _IntArray,
    n_labels: int,
    positive_code: int | None,
    positive_scores: _FloatArray | None,
    proba: _FloatArray | None,
) -> Metrics:
    """Accuracy, precision, recall, F1, ROC AUC and log loss (binary, or macro for multiclass)."""
    if true_codes.size == 0:
        return dict.fromkeys(CLASSIFICATION_KEYS)
    roc_auc: float | None = None
    log_loss: float | None = None
    precision, recall, f1 = precision_recall_f1(
        _confusion_counts(true_codes, pred_codes, n_labels), positive_code)
    if positive_code is None:
        if proba is not None:
            roc_auc = _one_vs_rest_macro_auc(true_codes, proba, n_labels)
            log_loss = _multiclass_log_loss(true_codes, proba, n_labels)
    else:
        is_positive = true_codes == positive_code
        probability = _positive_probability(positive_code, positive_scores, proba)
        if probability is not None:
            roc_auc = _binary_auc(is_positive, probability)
            log_loss = _binary_log_loss(is_positive, probability)
    return {
        "accuracy": float(np.mean(true_codes == pred_codes)),
        "precision": precision,
        "recall": recall,
        "f1_score": f1,
        "roc_auc": roc_auc,
        "log_loss": log_loss,
    }


def regression_metrics(targets: _FloatArray, predictions: _FloatArray) -> Metrics:
    """RMSE, MSE, MAE, MAPE and R² of predictions against targets."""
    if targets.size == 0 or not (np.isfinite(targets).all() and np.isfinite(predictions).all()):
        return dict.fromkeys(REGRESSION_KEYS)
    residuals = targets - predictions
    mse = float(np.mean(residuals**2))
    return {
        "rmse": math.sqrt(mse),
        "mse": mse,
        "mae": float(np.mean(np.abs(residuals))),
        "mape": _mean_absolute_percentage_error(targets, residuals),
        "r_squared": _r_squared(targets, residuals),
    }


def _confusion_counts(true_codes: _IntArray, pred_codes: _IntArray, n_labels: int) -> _IntArray:
    flat_cells = true_codes.astype(np.int64) * n_labels + pred_codes
    return np.bincount(flat_cells, minlength=n_labels * n_labels).reshape(n_labels, n_labels)


def _divide_or_zero(numerator: _FloatArray, denominator: _IntArray) -> _FloatArray:
    # zero_division=0: an empty denominator scores 0 rather than NaN
    out = np.zeros(numerator.shape, dtype=np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def precision_recall_f1(counts: _IntArray, positive: int | None) -> _Triple:
    """From a confusion matrix: the positive label's scores (binary) or their macro average."""
    per_label, present = _per_label_scores(counts)
    if positive is None:
        # per-label scores averaged over sklearn's default label set, the labels present
        precision, recall, f1 = (float(np.mean(scores[present])) for scores in per_label)
        return precision, recall, f1
    n_present = np.count_nonzero(present)
    if n_present > 2 or (n_present == 2 and not present[positive]):
        return None, None, None  # sklearn refuses average="binary" on such data
    precision, recall, f1 = (float(scores[positive]) for scores in per_label)
    return precision, recall, f1


def _per_label_scores(counts: _IntArray) -> tuple[list[_FloatArray], _BoolArray]:
    """Per-label precision, recall and F1, and which labels occur in either y_true or y_pred."""
    tp = np.diag(counts).astype(np.float64)
    true_sum, pred_sum = counts.sum(axis=1), counts.sum(axis=0)
    # F1 from counts (2tp / (true + pred)) as sklearn does, not from precision and recall
    scores = [
        _divide_or_zero(tp, pred_sum),
        _divide_or_zero(tp, true_sum),
        _divide_or_zero(2 * tp, true_sum + pred_sum),
    ]
    return scores, (true_sum + pred_sum) > 0


def _positive_probability(
    positive_code: int, positive_scores: _FloatArray | None, proba: _FloatArray | None
) -> _FloatArray | None:
    if positive_scores is not None and np.isfinite(positive_scores).all():
        return positive_scores
    if proba is not None and np.isfinite(proba[:, positive_code]).all():
        return proba[:, positive_code]
    return None


def _binary_auc(is_positive: _BoolArray, scores: _FloatArray) -> float | None:
    """Mann-Whitney U over the sorted scores of each class, which equals the trapezoidal
    area under the ROC: each positive counts the negatives scored below it, and half of
    those tied with it (twice U: the negatives below it seen from either side of its ties).
    The positives are searched in sorted order, each search starting where the last ended."""
    n_positive = np.count_nonzero(is_positive)
    n_negative = is_positive.size - n_positive
    if n_positive == 0 or n_negative == 0 or not np.isfinite(scores).all():
        return None
    positives, negatives = np.sort(scores[is_positive]), np.sort(scores[~is_positive])
    twice_u = int(np.searchsorted(negatives, positives, "left").sum()
                  + np.searchsorted(negatives, positives, "right").sum())
    return float(twice_u / 2 / (n_positive * n_negative))


def _one_vs_rest_macro_auc(
    true_codes: _IntArray, proba: _FloatArray, n_labels: int
) -> float | None:
    # sklearn takes its binary path below three columns, which rejects a 2-D y_score
    if n_labels < 3 or not np.isfinite(proba).all():
        return None
    if not sums_to_one(proba).all():
        return None
    per_label = [_binary_auc(true_codes == code, proba[:, code]) for code in range(n_labels)]
    defined = [auc for auc in per_label if auc is not None]
    if len(defined) < n_labels:
        return None  # a label without positives or negatives makes sklearn's average NaN
    return float(np.mean(defined))


def sums_to_one(proba: _FloatArray) -> _BoolArray:
    """Per row: whether it passes sklearn's "Target scores need to be probabilities" check
    (np.allclose's tolerance)."""
    sums = proba.sum(axis=1)
    ok: _BoolArray = np.abs(1 - sums) <= 1e-8 + 1e-5 * np.abs(sums)
    return ok


def _is_probability(values: _FloatArray) -> bool:
    # sklearn's log_loss rejects values outside [0, 1]; NaN fails both comparisons
    return bool(np.all((values >= 0) & (values <= 1)))


def negative_logs(probability_of_truth: _FloatArray) -> _FloatArray:
    """Each row's log loss term."""
    # sklearn 1.9 clips to [eps, 1 - eps] of the dtype and no longer renormalises rows
    eps = np.finfo(probability_of_truth.dtype).eps
    terms: _FloatArray = -np.log(np.clip(probability_of_truth, eps, 1 - eps))
    return terms


def _mean_negative_log(probability_of_truth: _FloatArray) -> float:
    return float(np.mean(negative_logs(probability_of_truth)))


def _binary_log_loss(is_positive: _BoolArray, probability: _FloatArray) -> float | None:
    # without labels= sklearn infers classes from y_true and raises when only one is present
    if is_positive.all() or not is_positive.any() or not _is_probability(probability):
        return None
    return _mean_negative_log(np.where(is_positive, probability, 1.0 - probability))


def _multiclass_log_loss(true_codes: _IntArray, proba: _FloatArray, n_labels: int) -> float | None:
    if n_labels < 2 or not _is_probability(proba):
        return None
    return _mean_negative_log(proba[np.arange(true_codes.size), true_codes])


def _mean_absolute_percentage_error(targets: _FloatArray, residuals: _FloatArray) -> float:
    # sklearn divides by max(|target|, float64 eps), so zero targets give huge but finite terms
    denominators = np.maximum(np.abs(targets), np.finfo(np.float64).eps)
    return float(np.mean(np.abs(residuals) / denominators))


def _r_squared(targets: _FloatArray, residuals: _FloatArray) -> float | None:
    if targets.size < 2:
        return None
    # shifting by a target first makes constant targets give an exactly zero spread
    shifted = targets - targets[0]
    spread = float(np.sum((shifted - shifted.mean()) ** 2))
    error = float(np.sum(residuals**2))
    # sklearn's force_finite rules: perfect predictions score 1, constant targets otherwise 0
    if error == 0:
        return 1.0
    if spread == 0:
        return 0.0
    return 1 - error / spread
