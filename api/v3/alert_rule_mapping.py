"""fiddler-client's alert rules as perfledger monitors, and back.

`bin_size` Hour/Day/Week is the monitor's bucket; `raw_value` judges the bucket's metric,
`time_period` its relative change against `compare_bin_delta` buckets earlier; `greater` and
`lesser` are the conditions `above` and `below`; `evaluation_delay` is in minutes, as the
client documents it. The monitor watches the model's production rows, of the version v3
publishing writes to. A rule on an input metric watches the one column `feature_names`
names (`['__ANY__']`: the worst column; none for traffic and any-violation rules) and, for
drift, the baseline `baseline_id` names (else the model's default). Fiddler-only fields
(priority, category, feature names, notification settings) are kept in the rule. What
perfledger cannot judge (other metrics, Month bins, segments, automatic thresholds) is a 400
naming the field.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec import UNSET

from perfledger.api.v3.alert_metrics import (
    ALERT_METRICS,
    AlertMetric,
    metric_problem,
    shown_metric,
)
from perfledger.api.v3.alert_rule_shapes import (
    AlertRuleCreate,
    AlertRuleOut,
    AlertRulePatch,
    BaselineRef,
    MetricRef,
    ModelRef,
    NotificationConfig,
    NotificationPatch,
)
from perfledger.api.v3.people import Organization, ProjectRef, User
from perfledger.domain.errors import InvalidInput
from perfledger.domain.monitoring.input_metrics import ANY_COLUMN, DRIFT_METRICS, ROW_METRICS
from perfledger.domain.monitoring.rules import (
    MAX_EMAIL_CHARS,
    MAX_EVALUATION_DELAY_MINUTES,
    PROMOTED,
    CompareTo,
    CompareToPrevious,
    CompareToValue,
    CompareToVersion,
    MonitorRule,
    Notifications,
)
from perfledger.domain.registry.model import Model
from perfledger.domain.vocabulary import DatasetSplit, Task

BIN_SIZES = {"Hour": "hour", "Day": "day", "Week": "week"}
BIN_SIZE_OF_BUCKET = {bucket: bin_size for bin_size, bucket in BIN_SIZES.items()}
# The deltas the client documents for `time_period`, by bucket.
COMPARE_BIN_DELTAS = {"hour": (1, 24, 168, 720, 2160), "day": (1, 7, 30, 90), "week": (1,)}
CONDITIONS = {"greater": "above", "lesser": "below"}
CONDITION_OF = {condition: name for name, condition in CONDITIONS.items()}
COMPARISONS = ("raw_value", "time_period")
PRIORITIES = ("HIGH", "MEDIUM", "LOW")
PRIORITY_OF_UNMARKED = "MEDIUM"  # shown for monitors made through v1, which have none
MANUAL = "manual"
PAGERDUTY_SEVERITIES = ("", "critical", "error", "warning", "info")
LARGEST_THRESHOLD = 1e12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class WatchedModel:
    """What a rule needs of the model it watches."""

    model_id: str
    task: Task
    columns: frozenset[str]
    version: str  # "promoted", or the version id v3 publishing writes to

    @classmethod
    def of(cls, model: Model) -> WatchedModel:
        """The version v3 publishing writes to: the promoted one (followed across promotions),
        else the model's latest version."""
        entry = model.entry or {}
        columns = frozenset(str(column.get("name")) for column in
                            (entry.get("schema") or {}).get("columns") or [])
        version = PROMOTED if model.promoted_version_id or not model.versions else (
            list(model.versions)[-1])
        return cls(str(model.id), Task(model.task), columns, version)


class _Problems:
    """Problems by the client's field names, raised together as one 400."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, problem: str) -> None:
        self.fields.setdefault(field, problem)

    def raise_if_any(self) -> None:
        if self.fields:
            items = [f"{field}: {problem}" for field, problem in self.fields.items()]
            raise InvalidInput(f"Invalid alert rule: {'; '.join(items)}",
                               {"field": next(iter(self.fields)), "fields": self.fields,
                                "problems": items})


def rule_of(body: AlertRuleCreate, model: WatchedModel) -> MonitorRule:
    """The monitor rule a create body asks for; a 400 naming each field it cannot honour."""
    problems = _Problems()
    if not body.name.strip():
        problems.add("name", "must not be blank")
    metric = metric_problem(body.metric_id, model.task)
    if metric is not None:
        problems.add("metric_id", metric)
    bucket = _bucket(body.bin_size, problems)
    compare_to = _compare_to(body.compare_to, body.compare_bin_delta, bucket, problems)
    condition = _condition(body.condition, problems)
    _check_priority(body.priority, problems)
    _check_manual(body.threshold_type, body.auto_threshold_params, problems)
    known = ALERT_METRICS.get(body.metric_id)
    drift = known is not None and known.metric in DRIFT_METRICS
    if body.baseline_id is not None and not drift:
        problems.add("baseline_id", f"only drift rules ({', '.join(DRIFT_METRICS)}) take a"
                                    " baseline")
    if body.segment_id is not None:
        problems.add("segment_id", "segments are not supported; a rule watches all the"
                                   " model's production rows")
    _check_thresholds(condition, body.warning_threshold, body.critical_threshold, problems)
    _check_delay(body.evaluation_delay, problems)
    features = _feature_names(body.feature_names, model, problems)
    column = (_watched_column(known, features, problems)
              if known is not None and known.watches_inputs else None)
    problems.raise_if_any()
    assert known is not None
    rule = {
        "name": body.name, "metric": known.metric, "dataset_split": DatasetSplit.PRODUCTION,
        "version": model.version, "bucket": bucket, "compare_to": compare_to,
        "condition": condition, "warning": body.warning_threshold,
        "critical": body.critical_threshold, "evaluation_delay_minutes": body.evaluation_delay,
        "priority": body.priority, "category": body.category, "feature_names": features,
        "metric_alias": None if known.id == known.metric else known.id,
        "column": column, "baseline": body.baseline_id,
    }
    return MonitorRule.from_json(msgspec.to_builtins(rule))


def _watched_column(metric: AlertMetric, features: list[str] | None, problems: _Problems
                    ) -> str | None:
    """The column a rule on an input metric watches, from its feature names."""
    given = features or []
    if metric.metric in ROW_METRICS:
        if given not in ([], [ANY_COLUMN]):
            problems.add("feature_names", f"'{metric.id}' counts rows, not a column's values:"
                                          f" send no feature names (or ['{ANY_COLUMN}'])")
        return None
    if len(given) != 1:
        problems.add("feature_names", f"'{metric.id}' watches one column: name it, or send"
                                      f" ['{ANY_COLUMN}'] for the worst of them")
        return None
    return given[0]


# A rule's fields as v1 names them, and as the client does.
CLIENT_FIELDS = {"column": "feature_names", "baseline": "baseline_id", "metric": "metric_id",
                 "warning": "warning_threshold", "critical": "critical_threshold"}


def in_client_terms(error: InvalidInput) -> InvalidInput:
    """A refused monitor rule as the client names its fields."""
    fields = error.details.get("fields")
    if not isinstance(fields, dict):
        return error
    renamed = {CLIENT_FIELDS.get(field, field): problem for field, problem in fields.items()}
    items = [f"{field}: {problem}" for field, problem in renamed.items()]
    return InvalidInput(f"Invalid alert rule: {'; '.join(items)}",
                        {"field": next(iter(renamed)), "fields": renamed, "problems": items})


def changes_of(patch: AlertRulePatch, rule: MonitorRule, model: WatchedModel
               ) -> dict[str, Any]:
    """The monitor's fields a patch changes, by perfledger's names; a 400 naming the client's
    field when a value cannot be honoured."""
    problems = _Problems()
    changes: dict[str, Any] = {}
    if patch.name is not UNSET:
        if not patch.name.strip():
            problems.add("name", "must not be blank")
        changes["name"] = patch.name
    if patch.priority is not UNSET:
        _check_priority(patch.priority, problems)
        changes["priority"] = patch.priority
    if patch.category is not UNSET:
        changes["category"] = patch.category
    if patch.feature_names is not UNSET:
        changes["feature_names"] = _feature_names(patch.feature_names, model, problems)
    if patch.critical_threshold is not UNSET:
        changes["critical"] = patch.critical_threshold
    if patch.warning_threshold is not UNSET:
        changes["warning"] = patch.warning_threshold
    if patch.evaluation_delay is not UNSET:
        if patch.evaluation_delay is None:
            problems.add("evaluation_delay", "must be a whole number of minutes, not null")
        else:
            _check_delay(patch.evaluation_delay, problems)
            changes["evaluation_delay_minutes"] = patch.evaluation_delay
    threshold_type = MANUAL if patch.threshold_type is UNSET else patch.threshold_type
    params = None if patch.auto_threshold_params is UNSET else patch.auto_threshold_params
    _check_manual(threshold_type, params, problems)
    current = rule.notifications or Notifications()
    if patch.enable_notification is not UNSET and patch.enable_notification != current.enabled:
        changes["notifications"] = msgspec.structs.replace(
            current, enabled=patch.enable_notification)
    if "warning" in changes or "critical" in changes:
        _check_thresholds(rule.condition, changes.get("warning", rule.warning),
                          changes.get("critical", rule.critical), problems)
    problems.raise_if_any()
    built: dict[str, Any] = msgspec.to_builtins(changes)
    return built


def notifications_of(patch: NotificationPatch, rule: MonitorRule) -> Notifications:
    """The rule's notification settings with the patch's lists and severity in place."""
    current = rule.notifications or Notifications()
    problems = _Problems()
    emails, services = current.emails, current.pagerduty_services
    severity: str = current.pagerduty_severity
    webhooks = current.webhooks
    if patch.emails is not None:
        emails = _unique(patch.emails)
        for email in emails:
            if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email):
                problems.add("emails", f"'{email}' is not an email address")
    if patch.pagerduty_services is not None:
        services = _unique(patch.pagerduty_services)
        if any(not service.strip() for service in services):
            problems.add("pagerduty_services", "a service name must not be blank")
    if patch.pagerduty_severity is not None:
        severity = patch.pagerduty_severity.lower()
        if severity not in PAGERDUTY_SEVERITIES:
            problems.add("pagerduty_severity", f"'{patch.pagerduty_severity}' is not one of"
                                               f" {', '.join(PAGERDUTY_SEVERITIES[1:])}")
    if patch.webhooks is not None:
        webhooks = _unique(_webhook_ids(patch.webhooks, problems))
    problems.raise_if_any()
    return msgspec.convert({"enabled": current.enabled, "emails": emails,
                            "pagerduty_services": services, "pagerduty_severity": severity,
                            "webhooks": webhooks}, Notifications)


def notification_config(rule: MonitorRule) -> NotificationConfig:
    found = rule.notifications or Notifications()
    return NotificationConfig(list(found.emails), list(found.pagerduty_services),
                              found.pagerduty_severity, list(found.webhooks))


def rule_out(monitor_id: str, rule: MonitorRule, model: ModelRef, project: ProjectRef,
             organization: Organization, created_by: User | None, created_at: str,
             updated_at: str, baselines: dict[str, str]) -> AlertRuleOut:
    """The rule as fiddler-client parses it (`AlertRuleResp`); `baselines` the model's, by
    id, to name the rule's."""
    compare_to, delta = _comparison_of(rule)
    metric = shown_metric(rule.metric, rule.metric_alias)
    return AlertRuleOut(
        id=monitor_id, name=rule.name, priority=rule.priority or PRIORITY_OF_UNMARKED,
        compare_to=compare_to, condition=CONDITION_OF[rule.condition], compare_bin_delta=delta,
        evaluation_delay=rule.evaluation_delay_minutes, bin_size=BIN_SIZE_OF_BUCKET[rule.bucket],
        feature_names=list(rule.feature_names or []), threshold_type=MANUAL,
        auto_threshold_params=None, critical_threshold=rule.critical,
        warning_threshold=rule.warning, category=rule.category,
        enable_notification=(rule.notifications or Notifications()).enabled,
        metric=MetricRef(metric.id, metric.display_name, metric.type, metric.type_display_name),
        model=model, project=project, organization=organization,
        baseline=_baseline_ref(rule.baseline, baselines), segment=None,
        created_by=created_by, created_at=created_at, updated_at=updated_at)


def _baseline_ref(baseline: str | None, baselines: dict[str, str]) -> BaselineRef | None:
    if baseline is None:
        return None
    for baseline_id, name in baselines.items():
        if baseline in (baseline_id, name):
            return BaselineRef(baseline_id, name)
    return None  # deleted since


def _comparison_of(rule: MonitorRule) -> tuple[str, int | None]:
    match rule.compare_to:
        case CompareToPrevious(buckets_back=back):
            return "time_period", back
        case CompareToVersion():
            return "version", None  # made through v1: no fiddler-client counterpart
        case _:
            return "raw_value", None


def _bucket(bin_size: str, problems: _Problems) -> str:
    bucket = BIN_SIZES.get(bin_size.capitalize())
    if bucket is None:
        problems.add("bin_size", f"'{bin_size}' is not supported; one of"
                                 f" {', '.join(BIN_SIZES)}")
        return "day"
    return bucket


def _compare_to(name: str, delta: int | None, bucket: str, problems: _Problems
                ) -> CompareTo:
    if name == "raw_value":
        return CompareToValue()  # compare_bin_delta does not apply, as the client documents
    if name == "time_period":
        allowed = COMPARE_BIN_DELTAS[bucket]
        if delta is None or delta not in allowed:
            problems.add("compare_bin_delta", f"{delta} is not a delta for bin size"
                                              f" '{BIN_SIZE_OF_BUCKET[bucket]}'; one of"
                                              f" {', '.join(map(str, allowed))}")
            return CompareToPrevious()
        return CompareToPrevious(buckets_back=delta)
    problems.add("compare_to", f"'{name}' is not supported; one of {', '.join(COMPARISONS)}"
                               " (baselines are not supported)")
    return CompareToValue()


def _condition(name: str, problems: _Problems) -> str:
    condition = CONDITIONS.get(name)
    if condition is None:
        problems.add("condition", f"'{name}' is not supported; one of {', '.join(CONDITIONS)}")
        return "below"
    return condition


def _check_priority(priority: str, problems: _Problems) -> None:
    if priority not in PRIORITIES:
        problems.add("priority", f"'{priority}' is not one of {', '.join(PRIORITIES)}")


def _check_manual(threshold_type: str, params: dict[str, Any] | None,
                  problems: _Problems) -> None:
    if threshold_type != MANUAL:
        problems.add("threshold_type", f"'{threshold_type}' is not supported: automatic"
                                       " thresholds are not; use 'manual'")
    if params is not None:
        problems.add("auto_threshold_params", "automatic thresholds are not supported; send"
                                              " null and give the thresholds")


def _check_thresholds(condition: str, warning: float | None, critical: float | None,
                      problems: _Problems) -> None:
    """Manual thresholds: a critical one (records carry it), an optional warning one, both
    finite, and critical at or beyond warning in the condition's direction."""
    for field, value in (("warning_threshold", warning), ("critical_threshold", critical)):
        if value is not None and (not math.isfinite(value) or abs(value) > LARGEST_THRESHOLD):
            problems.add(field, f"must be a finite number within ±{LARGEST_THRESHOLD:g}")
    if critical is None:
        problems.add("critical_threshold", "is required: thresholds are manual")
        return
    if warning is not None:
        worse = critical <= warning if condition == "below" else critical >= warning
        if not worse:
            side = "at or below" if condition == "below" else "at or above"
            problems.add("critical_threshold", f"with condition '{CONDITION_OF[condition]}'"
                                               f" it must be {side} the warning threshold")


def _check_delay(minutes: int, problems: _Problems) -> None:
    if not 0 <= minutes <= MAX_EVALUATION_DELAY_MINUTES:
        problems.add("evaluation_delay", f"must be 0 to {MAX_EVALUATION_DELAY_MINUTES} minutes"
                                         " (7 days)")


def _feature_names(names: list[str] | None, model: WatchedModel, problems: _Problems
                   ) -> list[str] | None:
    if names is None:
        return None
    unique = _unique(names)
    unknown = [name for name in unique if name not in model.columns and name != ANY_COLUMN]
    if unknown:
        problems.add("feature_names", f"the model has no column {', '.join(map(repr, unknown))}")
    return unique


def _webhook_ids(values: list[str], problems: _Problems) -> list[str]:
    ids = []
    for value in values:
        try:
            ids.append(str(uuid.UUID(value)))
        except ValueError:
            problems.add("webhooks", f"'{value}' is not a webhook id (a UUID)")
    return ids


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
