"""`GET /api/v1/metrics`: the metrics this release computes, so that clients and the dashboard
discover them (names, tasks, direction, format) rather than list them."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import get

from perfledger.domain.metrics.catalogue import METRICS
from perfledger.domain.metrics.metric import Format, Metric
from perfledger.domain.vocabulary import Task


class MetricEntry(msgspec.Struct):
    name: str
    display_name: str
    tasks: list[Task]
    direction: Literal["higher_is_better", "lower_is_better"]
    format: Format  # percent (0.791 reads 79.1 %), score (0.826), amount (20,412)
    needs_labels: bool  # computed on labeled rows only
    needs_scores: bool  # needs a score or probabilities besides the predicted label
    headline_of: list[Task]  # the tasks whose models are judged by it first


class MetricCatalogue(msgspec.Struct):
    metrics: list[MetricEntry]


def entry_of(metric: Metric) -> MetricEntry:
    return MetricEntry(
        metric.name, metric.display_name, sorted(Task(task) for task in metric.tasks),
        "higher_is_better" if metric.higher_is_better else "lower_is_better", metric.format,
        metric.needs_labels, metric.needs_scores,
        sorted(Task(task) for task in metric.headline_of))


@get("/metrics", operation_id="v1MetricCatalogue", tags=["v1 performance"],
     summary="Every metric perfledger computes, with the tasks it applies to")
async def metric_catalogue(task: Task | None = None) -> MetricCatalogue:
    """In the order summaries list them; `task` keeps those of one task. Any credential
    reads it, whatever its scopes: it describes this release, not an organization's data."""
    return MetricCatalogue([entry_of(metric) for metric in METRICS
                            if task is None or task in metric.tasks])
