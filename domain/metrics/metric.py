"""What declaring a metric takes: its names, tasks, direction and format, how it is finished
from a bucket's statistics, and the scikit-learn function it must equal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from perfledger.domain.metrics.inputs import Shape
from perfledger.domain.metrics.statistics import Statistics

T = TypeVar("T")
Format = Literal["percent", "score", "amount"]  # 79.1 %, 0.826, 20,412
# Placeholders in a reference's keyword arguments, filled in from the model
POSITIVE_LABEL = "<the positive label's code>"
ALL_LABELS = "<every label's code>"


class Finishing:
    """One bucket's statistics while its metrics are finished from them, keeping what
    several metrics derive (per-label scores, say) so that it is derived once."""

    def __init__(self, shape: Shape, stats: Statistics) -> None:
        self.shape = shape
        self.stats = stats
        self.labeled = stats.total("labeled")
        self._derived: dict[Callable[[Finishing], Any], Any] = {}

    def once(self, derive: Callable[[Finishing], T]) -> T:
        if derive not in self._derived:
            self._derived[derive] = derive(self)
        found: T = self._derived[derive]
        return found


@dataclass(frozen=True)
class Reference:
    """The function of `sklearn.metrics` a metric equals within 1e-9, and how it is called:
    with the true and the predicted labels (or values), or with the true labels and the
    scores (binary tasks: whether each row is positive, and the positive label's
    probability; multiclass: the probabilities). Only tests call it: scikit-learn is not a
    dependency of the service."""

    function: str
    takes: Literal["predictions", "scores"] = "predictions"
    keywords: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # by task


@dataclass(frozen=True)
class Metric:
    name: str
    display_name: str
    tasks: frozenset[str]
    higher_is_better: bool
    format: Format
    finish: Callable[[Finishing], float | None]  # None: undefined on these rows
    reference: Reference
    needs_scores: bool = False  # a score or probabilities besides the predicted label
    needs_labels: bool = True  # ground truth: only labeled rows count
    headline_of: frozenset[str] = frozenset()  # tasks judged by it first
