"""Regression metrics: RMSE, MSE, MAE, MAPE and R², as scikit-learn computes them.

Statistic: exact sums over the labeled rows of the squared, absolute and relative errors,
of the targets and of their squares, and the labeled rows with a non-finite value.
"""

from __future__ import annotations

import math

import numpy as np

from perfledger.domain.metrics.exact import (
    as_float,
    exact_sum,
    exact_sum_of_squares,
    mean_of,
    spread_of,
)
from perfledger.domain.metrics.metric import Finishing, Metric, Reference
from perfledger.domain.metrics.statistics import Labeled
from perfledger.domain.vocabulary import Task

REGRESSION = frozenset({Task.REGRESSION})
TOTALS = ("non_finite", "squared_errors", "absolute_errors", "percentage_errors", "targets",
          "target_squares")
_EPS = float(np.finfo(np.float64).eps)


def contribute(labeled: Labeled) -> dict[str, int]:
    finite = np.isfinite(labeled.truth) & np.isfinite(labeled.predicted)
    targets = labeled.truth[finite]
    residuals = targets - labeled.predicted[finite]
    # sklearn divides by max(|target|, float64 eps): zero targets give huge, finite terms
    relative = np.abs(residuals) / np.maximum(np.abs(targets), _EPS)
    return {"non_finite": int(np.count_nonzero(~finite)),
            "squared_errors": exact_sum(residuals**2),
            "absolute_errors": exact_sum(np.abs(residuals)),
            "percentage_errors": exact_sum(relative),
            "targets": exact_sum(targets),
            "target_squares": exact_sum_of_squares(targets)}


def _mean(f: Finishing, total: str) -> float | None:
    if f.stats.total("non_finite"):
        return None  # sklearn refuses NaN and infinities
    return mean_of(f.stats.total(total), f.labeled)


def mse(f: Finishing) -> float | None:
    return _mean(f, "squared_errors")


def rmse(f: Finishing) -> float | None:
    squared = _mean(f, "squared_errors")
    return None if squared is None else math.sqrt(squared)


def mae(f: Finishing) -> float | None:
    return _mean(f, "absolute_errors")


def mape(f: Finishing) -> float | None:
    return _mean(f, "percentage_errors")


def r_squared(f: Finishing) -> float | None:
    stats = f.stats
    if stats.total("non_finite") or f.labeled < 2:
        return None
    error = as_float(stats.total("squared_errors"))
    spread = spread_of(stats.total("targets"), stats.total("target_squares"), f.labeled)
    # sklearn's force_finite rules: perfect predictions score 1, constant targets 0 (the
    # spread is exact: constant targets whose float mean rounds still have none)
    return 1.0 if error == 0 else 0.0 if spread == 0 else 1 - error / float(spread)


METRICS = (
    Metric("rmse", "RMSE", REGRESSION, False, "amount", rmse,
           Reference("root_mean_squared_error"), headline_of=REGRESSION),
    Metric("mse", "MSE", REGRESSION, False, "amount", mse, Reference("mean_squared_error")),
    Metric("mae", "MAE", REGRESSION, False, "amount", mae, Reference("mean_absolute_error")),
    Metric("mape", "MAPE", REGRESSION, False, "percent", mape,
           Reference("mean_absolute_percentage_error")),
    Metric("r_squared", "R²", REGRESSION, True, "score", r_squared, Reference("r2_score")),
)
