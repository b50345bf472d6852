"""v3 alert-rule wire shapes: the bodies fiddler-client sends, and the rule it parses back.

Values with a closed vocabulary (bin size, comparison, condition, priority, metric) arrive as
bounded text and are checked by `alert_rule_mapping`, so that an unsupported one is refused
with a message naming what perfledger does not support, not a bare enum error.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from perfledger.api.v3.people import Organization, ProjectRef, User
from perfledger.domain.limits import MAX_NAME_CHARS
from perfledger.domain.monitoring.rules import (
    MAX_EMAIL_CHARS,
    MAX_FEATURE_NAMES,
    MAX_NOTIFICATION_TARGETS,
)

Word = Annotated[str, msgspec.Meta(max_length=64)]
Id = Annotated[str, msgspec.Meta(max_length=64)]
RuleName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_CHARS)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_NAME_CHARS)]
Texts = Annotated[list[Text], msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)]
Emails = Annotated[list[Annotated[str, msgspec.Meta(max_length=MAX_EMAIL_CHARS)]],
                   msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)]
FeatureNames = Annotated[list[Text], msgspec.Meta(max_length=MAX_FEATURE_NAMES)]


class AlertRuleCreate(msgspec.Struct, forbid_unknown_fields=True):
    """`POST /v3/alert-rules`, every key as `AlertRule.create()` sends it (nulls explicit)."""

    name: RuleName
    model_id: Id
    metric_id: Id
    priority: Word
    compare_to: Word
    condition: Word
    bin_size: Word
    threshold_type: Word = "manual"
    auto_threshold_params: dict[str, Any] | None = None
    critical_threshold: float | None = None
    warning_threshold: float | None = None
    feature_names: FeatureNames | None = None
    compare_bin_delta: int | None = None
    evaluation_delay: int = 0
    category: Text | None = None
    segment_id: Id | None = None
    baseline_id: Id | None = None


class AlertRulePatch(msgspec.Struct, forbid_unknown_fields=True):
    """`PATCH /v3/alert-rules/{id}`: only the keys sent change. The client sends either the
    thresholds and delay (`update()`) or `enable_notification` alone."""

    name: RuleName | UnsetType = UNSET
    priority: Word | UnsetType = UNSET
    category: Text | UnsetType | None = UNSET
    feature_names: FeatureNames | UnsetType | None = UNSET
    critical_threshold: float | UnsetType | None = UNSET
    warning_threshold: float | UnsetType | None = UNSET
    evaluation_delay: int | UnsetType | None = UNSET
    threshold_type: Word | UnsetType = UNSET
    auto_threshold_params: dict[str, Any] | UnsetType | None = UNSET
    enable_notification: bool | UnsetType = UNSET


class NotificationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """`PATCH /v3/alert-rules/{id}/notification`: the lists given replace the stored ones
    (an empty list clears one); keys not given (or null) keep their values."""

    emails: Emails | None = None
    pagerduty_services: Texts | None = None
    pagerduty_severity: Word | None = None
    webhooks: Annotated[list[Id], msgspec.Meta(max_length=MAX_NOTIFICATION_TARGETS)] | None = None


class NotificationConfig(msgspec.Struct):
    emails: list[str]
    pagerduty_services: list[str]
    pagerduty_severity: str
    webhooks: list[str]


class MetricRef(msgspec.Struct):
    id: str
    display_name: str
    type: str
    type_display_name: str


class ModelRef(msgspec.Struct):
    id: str
    name: str
    version: str | None


class BaselineRef(msgspec.Struct):
    id: str
    name: str


class AlertRuleOut(msgspec.Struct):
    id: str
    name: str
    priority: str
    compare_to: str
    condition: str
    compare_bin_delta: int | None
    evaluation_delay: int
    bin_size: str
    feature_names: list[str]
    threshold_type: str
    auto_threshold_params: dict[str, Any] | None
    critical_threshold: float | None
    warning_threshold: float | None
    category: str | None
    enable_notification: bool
    metric: MetricRef
    model: ModelRef
    project: ProjectRef
    organization: Organization
    baseline: BaselineRef | None
    segment: None
    created_by: User | None
    created_at: str
    updated_at: str
    version: str = "rule_v3"
    is_fiddler_generated: bool = False
