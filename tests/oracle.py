"""scikit-learn's value of every metric the registry declares, called as each metric's
reference says: the oracle that every test of computed or served metrics compares with, so a
metric added to the registry is checked everywhere at once."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as sk

from perfledger.domain.metrics.catalogue import metrics_for
from perfledger.domain.metrics.inputs import Shape, TaskShape, measured_as
from perfledger.domain.metrics.metric import ALL_LABELS, POSITIVE_LABEL, Metric

BINARY = TaskShape("binary_classification", 2, 1)
REGRESSION = TaskShape("regression")


def multiclass(n_labels: int) -> TaskShape:
    return TaskShape("multiclass_classification", n_labels)


def or_none(compute: Callable[[], Any]) -> float | None:
    """sklearn's value, or None where it raises or answers NaN (undefined on the rows)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(compute())
        except ValueError:
            return None
    return None if math.isnan(value) else value


def sklearn_metrics(shape: Shape, truth: Any, predicted: Any, scores: Any = None,
                    proba: Any = None) -> dict[str, float | None]:
    """Every metric of the shape's task on labeled rows: true codes or targets, predicted
    codes or values, binary tasks' positive-label probabilities, multiclass probabilities."""
    return {metric.name: sklearn_value(metric, shape, np.asarray(truth), np.asarray(predicted),
                                       scores, proba)
            for metric in metrics_for(measured_as(shape.task))}


def sklearn_value(metric: Metric, shape: Shape, truth: np.ndarray, predicted: np.ndarray,
                  scores: Any, proba: Any) -> float | None:
    reference = metric.reference
    function = getattr(sk, reference.function)
    keywords = {name: _filled(value, shape)
                for name, value in reference.keywords.get(measured_as(shape.task), {}).items()}
    if reference.takes == "predictions":
        arguments: tuple[Any, ...] = (truth, predicted)
    elif shape.positive is not None:  # binary: whether each row is positive, and its score
        if scores is None:
            return None
        arguments = (truth == shape.positive, np.asarray(scores, dtype=np.float64))
    else:
        if proba is None:
            return None
        arguments = (truth, np.asarray(proba, dtype=np.float64))
    return or_none(lambda: function(*arguments, **keywords))


def _filled(value: object, shape: Shape) -> object:
    if value == POSITIVE_LABEL:
        return shape.positive
    if value == ALL_LABELS:
        return list(range(shape.n_labels))
    return value
