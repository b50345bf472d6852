"""Served metrics against scikit-learn's: equal within the contract's 1e-9, and what
scikit-learn gives for a task's rows (every metric the registry declares for it)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.oracle import BINARY, REGRESSION, multiclass, sklearn_metrics

TOLERANCE = 1e-9
# Means are exact, rounded once; scikit-learn's float sums may be an ulp away, which is more
# than 1e-9 for values past a million (a MAPE over zero targets): those agree within this.
RELATIVE = 1e-15


def close_to(value: float) -> object:
    return pytest.approx(value, abs=TOLERANCE, rel=RELATIVE)


def assert_close(served: dict[str, Any] | None, expected: dict[str, float | None]) -> None:
    assert served is not None
    assert set(served) == set(expected)
    for name, value in expected.items():
        if value is None:
            assert served[name] is None, name
        else:
            assert served[name] == close_to(value), name


def binary_expected(truth: np.ndarray, predicted: np.ndarray, scores: np.ndarray
                    ) -> dict[str, float | None]:
    """Every binary metric on rows whose positive label has code 1."""
    return sklearn_metrics(BINARY, truth, predicted, scores)


def multiclass_expected(truth: np.ndarray, predicted: np.ndarray, proba: np.ndarray | None,
                        n_labels: int) -> dict[str, float | None]:
    return sklearn_metrics(multiclass(n_labels), truth, predicted, proba=proba)


def regression_expected(target: np.ndarray, prediction: np.ndarray) -> dict[str, float | None]:
    return sklearn_metrics(REGRESSION, target, prediction)
