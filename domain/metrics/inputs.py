"""What metrics are computed over: a model's task and labels, and a batch of scored rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from perfledger.domain.vocabulary import Task

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
CLASSIFICATION_TASKS = frozenset({Task.BINARY_CLASSIFICATION, Task.MULTICLASS_CLASSIFICATION})


class Shape(Protocol):
    """A model as its metrics see it."""

    @property
    def task(self) -> str: ...

    @property
    def n_labels(self) -> int:
        """Labels a classifier's codes run over (0 for regression)."""
        ...

    @property
    def positive(self) -> int | None:
        """The positive label's code, for binary tasks."""
        ...


@dataclass(frozen=True)
class TaskShape:
    """A Shape given directly."""

    task: str
    n_labels: int = 0
    positive: int | None = None


class ScoredRows(Protocol):
    """Rows column by column; NaN where a row has no value."""

    @property
    def truth(self) -> FloatArray:
        """True label codes (classification) or targets (regression); NaN: not labeled."""
        ...

    @property
    def predicted(self) -> FloatArray:
        """Predicted label codes or predictions."""
        ...

    @property
    def scores(self) -> FloatArray:
        """Binary tasks: the positive label's probability."""
        ...

    @property
    def proba(self) -> FloatArray | None:
        """Multiclass tasks: one probability per label and row."""
        ...


@dataclass(frozen=True)
class Rows:
    """ScoredRows given directly."""

    truth: FloatArray
    predicted: FloatArray
    scores: FloatArray
    proba: FloatArray | None = None


def classifies(shape: Shape) -> bool:
    return shape.task in CLASSIFICATION_TASKS


def measured_as(task: str) -> str:
    """The task whose metrics a model's rows are measured by: a classifier's own, else
    regression's (the rows of other tasks hold values, when they hold any)."""
    return task if task in CLASSIFICATION_TASKS else Task.REGRESSION


def problem_count(shape: Shape) -> int:
    """The binary problems ROC AUC averages over: one (binary), one per label (multiclass
    with three or more labels), none otherwise."""
    if not classifies(shape):
        return 0
    if shape.positive is not None:
        return 1
    return shape.n_labels if shape.n_labels >= 3 else 0
