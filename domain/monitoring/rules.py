"""What a monitor watches and when it alerts: its rule, checked against the model it watches.

The rule is a msgspec struct so that the API reads it as the request body and the events
store it as plain JSON: one definition of its fields and bounds.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import msgspec

from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import (
    MAX_NAME_CHARS,
    MAX_TAG_NAME_CHARS,
    MAX_TAG_VALUE_CHARS,
    MAX_TAGS_PER_MODEL,
)
from perfledger.domain.metrics.catalogue import names_for
from perfledger.domain.monitoring.input_metrics import (
    INPUT_METRICS,
    MAX_BASELINE_REF_CHARS,
    MAX_COLUMN_REF_CHARS,
    InputsOfModel,
    input_rule_problems,
)
from perfledger.domain.vocabulary import DatasetSplit, Task

PROMOTED = "promoted"
MAX_BUCKETS_BACK = 1_000
MAX_EVALUATION_DELAY_MINUTES = 7 * 24 * 60
MAX_MIN_LABELED = 1_000_000_000
MAX_MIN_ROWS = 1_000_000_000

VersionRef = Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                         pattern=r"^[A-Za-z0-9._-]+$")]
Threshold = Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)]
TagName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TAG_NAME_CHARS,
                                      pattern=r"^[A-Za-z0-9_.-]+$")]
TagValue = Annotated[str, msgspec.Meta(max_length=MAX_TAG_VALUE_CHARS)]

# Who to tell and how urgently: kept with the rule (fiddler-client's alert rules carry them),
# bounded like every other field. Its webhooks route the rule's alerts (see the outbox); the
# emails and PagerDuty services are kept, not sent to.
MAX_NOTIFICATION_TARGETS = 50
MAX_EMAIL_CHARS = 254  # RFC 5321's longest forward path, less its angle brackets
MAX_FEATURE_NAMES = 50
Priority = Literal["HIGH", "MEDIUM", "LOW"]
PagerDutySeverity = Literal["", "critical", "error", "warning", "info"]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=MAX_EMAIL_CHARS,
                                    pattern=r"^[^@\s]+@[^@\s]+$")]
ServiceName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_CHARS)]
WebhookRef = Annotated[str, msgspec.Meta(
    pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
FeatureName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_CHARS)]
Category = Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)]
MetricAlias = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class CompareToValue(msgspec.Struct, tag="value", tag_field="type", frozen=True,
                     forbid_unknown_fields=True):
    """The bucket's metric itself is judged."""


class CompareToPrevious(msgspec.Struct, tag="previous", tag_field="type", frozen=True,
                        forbid_unknown_fields=True):
    """The relative change against the same metric `buckets_back` buckets earlier:
    (now - then) / |then|."""

    buckets_back: Annotated[int, msgspec.Meta(ge=1, le=MAX_BUCKETS_BACK)] = 1


class CompareToVersion(msgspec.Struct, tag="version", tag_field="type", frozen=True,
                       forbid_unknown_fields=True):
    """The difference against another version on the same bucket: mine - theirs."""

    version_id: VersionRef


CompareTo = CompareToValue | CompareToPrevious | CompareToVersion


class Notifications(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the rule's alerts are to be sent, and whether they are: `enabled` off keeps the
    rule judging its buckets (alerts are still recorded) but marks it as not notifying.
    `webhooks` are ids of the organization's webhooks (canonical lowercase UUIDs)."""

    enabled: bool = True
    emails: Annotated[list[Email], msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)] = []
    pagerduty_services: Annotated[
        list[ServiceName], msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)] = []
    pagerduty_severity: PagerDutySeverity = ""
    webhooks: Annotated[list[WebhookRef], msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)] = []


class MonitorRule(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_CHARS)]
    metric: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    dataset_split: DatasetSplit = DatasetSplit.PRODUCTION
    version: VersionRef = PROMOTED  # "promoted" follows promotions; else a version id
    bucket: Literal["hour", "day", "week"] = "day"
    compare_to: CompareTo | None = None  # None: {"type": "value"}
    condition: Literal["below", "above"] = "below"
    warning: Threshold | None = None
    critical: Threshold | None = None
    min_labeled: Annotated[int, msgspec.Meta(ge=0, le=MAX_MIN_LABELED)] = 1
    # Input metrics (drift, data integrity, traffic): the column watched ("__ANY__": the
    # worst), the baseline drift is measured against (id or name; None: the model's default)
    # and the rows a bucket needs to be judged.
    column: Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_COLUMN_REF_CHARS)] | None = None
    baseline: Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_BASELINE_REF_CHARS)] | None = None
    min_rows: Annotated[int, msgspec.Meta(ge=0, le=MAX_MIN_ROWS)] = 1
    evaluation_delay_minutes: Annotated[
        int, msgspec.Meta(ge=0, le=MAX_EVALUATION_DELAY_MINUTES)] = 0
    tags: Annotated[dict[TagName, TagValue],
                    msgspec.Meta(max_length=MAX_TAGS_PER_MODEL)] = {}
    enabled: bool = True
    # Optional, for rules made through fiddler-client (v3); None (absent) for the others.
    priority: Priority | None = None
    category: Category | None = None
    feature_names: Annotated[
        list[FeatureName], msgspec.Meta(max_length=MAX_FEATURE_NAMES)] | None = None
    metric_alias: MetricAlias | None = None  # the metric's name as its author gave it ("auc")
    notifications: Notifications | None = None

    def __post_init__(self) -> None:
        if self.compare_to is None:
            self.compare_to = CompareToValue()

    def to_json(self) -> dict[str, Any]:
        built: dict[str, Any] = msgspec.to_builtins(self)
        return built

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> MonitorRule:
        """The rule the JSON spells; InvalidInput naming the field when it breaks a bound."""
        try:
            return msgspec.convert(stored, cls)
        except msgspec.ValidationError as error:
            raise InvalidInput(f"Invalid monitor: {error}") from None


def is_input_metric(metric: str) -> bool:
    return metric in INPUT_METRICS


def check_rule(rule: MonitorRule, task: Task, version_ids: set[str],
               inputs: InputsOfModel | None = None) -> None:
    """What the struct's bounds cannot say: the metric fits the model's task (or its
    columns), the versions exist, and the thresholds make sense for the condition."""
    problems: dict[str, str] = {}
    if not rule.name.strip():
        problems["name"] = "must not be blank"
    metrics = names_for(task)
    if is_input_metric(rule.metric):
        problems.update(input_rule_problems(rule.metric, rule.column, rule.baseline,
                                            bool(rule.tags), inputs))
    elif rule.column is not None or rule.baseline is not None:
        field = "column" if rule.column is not None else "baseline"
        problems[field] = (f"applies to input metrics ({', '.join(INPUT_METRICS)}), not to"
                           f" '{rule.metric}'")
    if is_input_metric(rule.metric):
        pass  # checked above
    elif not metrics:
        problems["metric"] = (f"a {task} model has no performance metrics to monitor; its"
                              f" input metrics: {list(INPUT_METRICS)}")
    elif rule.metric not in metrics:
        problems["metric"] = (f"'{rule.metric}' is not a metric of a {task} model; choose from"
                              f" {list(metrics)} or an input metric {list(INPUT_METRICS)}")
    if rule.version != PROMOTED and rule.version not in version_ids:
        problems["version"] = (f"the model has no version '{rule.version}'; give one of its"
                               f" versions or 'promoted'")
    if isinstance(rule.compare_to, CompareToVersion):
        other = rule.compare_to.version_id
        if other not in version_ids:
            problems["compare_to.version_id"] = f"the model has no version '{other}'"
        elif other == rule.version:
            problems["compare_to.version_id"] = "compare against another version than 'version'"
    if rule.warning is None and rule.critical is None:
        problems["warning"] = "give a 'warning' or a 'critical' threshold (or both)"
    elif rule.warning is not None and rule.critical is not None:
        worse = rule.critical <= rule.warning if rule.condition == "below" else (
            rule.critical >= rule.warning)
        if not worse:
            side = "at or below" if rule.condition == "below" else "at or above"
            problems["critical"] = (f"with condition '{rule.condition}' the critical threshold"
                                    f" must be {side} the warning one")
    for name in ("warning", "critical"):
        value = getattr(rule, name)
        if value is not None and not math.isfinite(value):
            problems[name] = "must be a finite number"
    if problems:
        summary = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
        raise InvalidInput(f"Invalid monitor: {summary}",
                           {"fields": problems, "field": next(iter(problems))})
