"""Metric ids of fiddler-client's alert rules, and the perfledger metric each one watches.

A rule may watch any metric of its model's task (`domain.metrics.catalogue`), named as
perfledger names it. Fiddler's own ids for some of them are accepted too (`auc` and `auroc`
for `roc_auc`, `r2` for `r_squared`), and rules show them with Fiddler's display names.
Drift (`jsd`, `psi`), data integrity (`null_violation_*` for perfledger's `missing_*`,
`type_`, `range_`, `any_violation_*`) and `traffic` watch the model's inputs. Every other
metric Fiddler documents (statistics, custom metrics, and the performance metrics perfledger
does not compute) is refused with a message saying what kind of metric it is.
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
    type: str = PERFORMANCE
    type_display_name: str = PERFORMANCE_DISPLAY

    @property
    def watches_inputs(self) -> bool:
        return self.type != PERFORMANCE


def _integrity(kind: str, display: str) -> list[AlertMetric]:
    ours = "missing" if kind == "null" else kind
    return [AlertMetric(f"{kind}_violation_{unit}", f"{ours}_{unit}" if kind != "any" else
                        f"any_violation_{unit}", f"{display} Violation {unit.capitalize()}",
                        "data_integrity", "Data Integrity")
            for unit in ("count", "percentage")]


INPUT_ALERT_METRICS = {metric.id: metric for metric in [
    AlertMetric("jsd", "jsd", "Jensen-Shannon Distance", "drift", "Data Drift"),
    AlertMetric("psi", "psi", "Population Stability Index", "drift", "Data Drift"),
    AlertMetric("traffic", "traffic", "Traffic", "service_metrics", "Traffic"),
    *_integrity("null", "Null"), *_integrity("type", "Type"),
    *_integrity("range", "Range"), *_integrity("any", "Any"),
]}


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


ALERT_METRICS = {**{spelling.id: spelling for metric in METRICS
                    for spelling in _spellings(metric.name)}, **INPUT_ALERT_METRICS}

# Metrics Fiddler documents that have no perfledger counterpart, by kind.
_OTHER_KINDS = {
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
    """Why a rule on a model of `task` cannot watch `metric_id`, or None when it can (an
    input metric's columns and baseline are checked with the rule)."""
    if metric_id in INPUT_ALERT_METRICS:
        return None
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
    inputs = ", ".join(INPUT_ALERT_METRICS)
    if kind is not None:
        return (f"'{metric_id}' is a {kind} metric; {kind} alerts are not supported, only"
                f" performance metrics ({supported}) and input metrics ({inputs})")
    if _is_uuid(metric_id):
        return f"custom metrics ('{metric_id}') are not supported; one of {supported}"
    return f"unknown metric '{metric_id}'; one of {supported}"


def shown_metric(metric: str, alias: str | None) -> AlertMetric:
    """The metric as a rule shows it: by the name its author gave, when that names it."""
    if alias is not None and alias in ALERT_METRICS and ALERT_METRICS[alias].metric == metric:
        return ALERT_METRICS[alias]
    watched = [found for found in INPUT_ALERT_METRICS.values() if found.metric == metric]
    return watched[0] if watched else _spellings(metric)[0]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
