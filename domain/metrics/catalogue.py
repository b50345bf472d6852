"""Every metric perfledger serves, each declared once in its family's module, and what each
task is measured by."""

from __future__ import annotations

import hashlib
from functools import cache

from perfledger.domain.metrics import confusion, errors, log_loss, ranking
from perfledger.domain.metrics.metric import Metric

# The families, in the order answers and the dashboard list their metrics.
FAMILIES = (confusion, ranking, log_loss, errors)
METRICS: tuple[Metric, ...] = tuple(metric for family in FAMILIES for metric in family.METRICS)
BY_NAME = {metric.name: metric for metric in METRICS}
assert len(BY_NAME) == len(METRICS), "two metrics share a name"
# What a bucket's statistics hold: a change here changes what stored statistics mean.
STATISTICS_REVISION = 2


def metric_named(name: str) -> Metric | None:
    return BY_NAME.get(name)


@cache
def metrics_for(task: str) -> tuple[Metric, ...]:
    """The metrics a model of this task is measured by (none for tasks without them)."""
    return tuple(metric for metric in METRICS if task in metric.tasks)


@cache
def names_for(task: str) -> tuple[str, ...]:
    return tuple(metric.name for metric in metrics_for(task))


def headline_of(task: str) -> str | None:
    """The metric a model of this task is judged by first."""
    return next((metric.name for metric in METRICS if task in metric.headline_of), None)


def catalogue_digest() -> str:
    """Changes whenever what is stored per bucket does: the metrics each task keeps, or the
    layout of the statistics they are finished from."""
    declared = sorted(f"{metric.name}:{','.join(sorted(metric.tasks))}" for metric in METRICS)
    text = "\n".join([f"statistics {STATISTICS_REVISION}", *declared])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
