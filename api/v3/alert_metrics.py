"""Metric ids of fiddler-client's alert rules, and the perfledger metric each one watches.

A rule may watch any metric of its model's task (`domain.metrics.catalogue`), named as
perfledger names it. Fiddler's own ids for some of them are accepted too (`auc` and `auroc`
for `roc_auc`, `r2` for `r_squared`), and rules show them with Fiddler's display names.
Every other metric Fiddler documents (drift, data integrity, traffic, statistics, custom
metrics, and the performance metrics perfledger does not compute) is refused with a message
saying what kind of metric it is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from perfledger.domain.metrics.catalogue import METRICS, metric_named, metrics_for
from perfledger.domain.vocabulary import Task

PERFORMANCE = "performance"
PERFORMANCE_DISPLAY = "Performance"


@dataclass(frozen=True)
class AlertMetric:
    id: str  # as the client names it
    metric: str  # perfledger's name
    display_name: str


# Fiddler's spelling where it differs from perfledger's name or display name; a rule given
# perfledger's name shows the first of its metric's ids.
_FIDDLER_SPELLING = [
    AlertMetric("f1_score", "f1_score", "F1"),
    AlertMetric("auc", "roc_auc", "AUC"),
    AlertMetric("auroc", "roc_auc", "AUROC"),
    AlertMetric("roc_auc", "roc_auc", "AUROC"),
    AlertMetric("log_loss", "log_loss", "Log Loss"),
    AlertMetric("r2", "r_squared", "R2"),
    AlertMetric("r_squared", "r_squared", "R2"),
]


def _spellings(metric: str) -> list[AlertMetric]:
    """The ids a rule may name the metric by, the one shown first."""
    fiddler = [spelling for spelling in _FIDDLER_SPELLING if spelling.metric == metric]
    found = metric_named(metric)
    return fiddler or [AlertMetric(metric, metric, found.display_name if found else metric)]


ALERT_METRICS = {spelling.id: spelling for metric in METRICS
                 for spelling in _spellings(metric.name)}

# Metrics Fiddler documents that have no perfledger counterpart, by kind.
_OTHER_KINDS = {
    "drift": ("jsd", "psi"),
    "data integrity": ("null_violation_percentage", "null_violation_count",
                       "range_violation_percentage", "range_violation_count",
                       "type_violation_percentage", "type_violation_count",
                       "any_violation_percentage", "any_violation_count"),
    "traffic": ("traffic",),
    "statistic": ("frequency", "sum", "average"),
    "performance": ("fpr", "expected_calibration_error", "geometric_mean",
                    "calibrated_threshold", "data_count", "wmape", "map", "ndcg_mean",
                    "query_count"),
}
_KIND_OF = {name: kind for kind, names in _OTHER_KINDS.items() for name in names}


def metric_ids_for(task: Task) -> list[str]:
    """The ids a rule on a model of this task may name."""
    return [spelling.id for metric in metrics_for(task) for spelling in _spellings(metric.name)]


def metric_problem(metric_id: str, task: Task) -> str | None:
    """Why a rule on a model of `task` cannot watch `metric_id`, or None when it can."""
    if not metrics_for(task):
        return f"a {task} model has no performance metrics to alert on"
    supported = ", ".join(metric_ids_for(task))
    found = ALERT_METRICS.get(metric_id)
    if found is not None:
        if found.id in metric_ids_for(task):
            return None
        return f"'{metric_id}' is not a metric of a {task} model; one of {supported}"
    kind = _KIND_OF.get(metric_id)
    if kind == "performance":
        return (f"'{metric_id}' is a performance metric perfledger does not compute; one of"
                f" {supported}")
    if kind is not None:
        return (f"'{metric_id}' is a {kind} metric; {kind} alerts are not supported, only"
                f" performance metrics: {supported}")
    if _is_uuid(metric_id):
        return f"custom metrics ('{metric_id}') are not supported; one of {supported}"
    return f"unknown metric '{metric_id}'; one of {supported}"


def shown_metric(metric: str, alias: str | None) -> AlertMetric:
    """The metric as a rule shows it: by the name its author gave, when that names it."""
    if alias is not None and alias in ALERT_METRICS and ALERT_METRICS[alias].metric == metric:
        return ALERT_METRICS[alias]
    return _spellings(metric)[0]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
