"""Served metrics against scikit-learn's: equal within the contract's 1e-9, and what
scikit-learn gives for a task's rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

TOLERANCE = 1e-9


def assert_close(served: dict[str, Any] | None, expected: dict[str, float | None]) -> None:
    assert served is not None
    assert set(served) == set(expected)
    for name, value in expected.items():
        if value is None:
            assert served[name] is None, name
        else:
            assert served[name] == pytest.approx(value, abs=TOLERANCE), name


def binary_expected(truth: np.ndarray, predicted: np.ndarray, scores: np.ndarray
                    ) -> dict[str, float | None]:
    p, r, f, _ = sk.precision_recall_fscore_support(truth, predicted, average="binary",
                                                    zero_division=0)
    two_classes = len(set(truth.tolist())) == 2
    return {
        "accuracy": sk.accuracy_score(truth, predicted), "precision": p, "recall": r,
        "f1_score": f, "roc_auc": sk.roc_auc_score(truth, scores) if two_classes else None,
        "log_loss": sk.log_loss(truth, scores, labels=[0, 1]),
    }


def regression_expected(target: np.ndarray, prediction: np.ndarray) -> dict[str, float | None]:
    mse = sk.mean_squared_error(target, prediction)
    return {
        "rmse": float(np.sqrt(mse)), "mse": mse,
        "mae": sk.mean_absolute_error(target, prediction),
        "mape": sk.mean_absolute_percentage_error(target, prediction),
        "r_squared": sk.r2_score(target, prediction) if len(target) > 1 else None,
    }
