"""Alert records: what fiddler-client's `AlertRecord.list` reads, from perfledger's alerts.

A perfledger alert is one monitor's verdicts on one bucket, kept as transitions. Each
transition that raised, escalated or eased the alert is one record (resolutions are not
records: the client's records are alerts that fired); `alert_record_sub_version` counts the
bucket's transitions, as Fiddler counts re-evaluations of a bucket. A record's id derives
from its alert and the transition's position, and the record names both (`alert_id`,
`transition_position`), which is how `GET /api/v1/models/{id}/alerts` lists them.

`alert_value` is the value the thresholds were applied to, under the rule in force when the
transition was recorded (its `alert_config_revision`): the metric for `raw_value`, its
relative change for `time_period`, whose compared bucket is `baseline_time_bucket`.
`start_time` and `end_time` bound the buckets' starts; naive times are UTC.

Served at `/v2/alert-configs/{id}/records`, where fiddler-client 3.x reads them, and at
`/v3/alert-rules/{id}/records`, where newer Fiddler servers document them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from litestar import Controller, Response, get

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import answer, reading
from perfledger.api.v3.alert_rule_service import find_rule
from perfledger.api.v3.envelope import Paginated, paginated
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import DomainError, InvalidInput
from perfledger.domain.monitoring.judging import judged_value
from perfledger.domain.monitoring.rules import CompareToPrevious, CompareToVersion, MonitorRule
from perfledger.domain.timestamps import format_timestamp, parse_timestamp, to_micros
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog
from perfledger.projections.monitoring.queries import (
    AlertingQuery,
    AlertingRow,
    alerting_transitions,
)
from perfledger.projections.monitoring.rule_history import (
    RuleRevision,
    revision_at,
    rule_revisions,
)
from perfledger.projections.performance.windows import WIDTHS

RECORDS = uuid5(NAMESPACE_URL, "perfledger/alert-records")
READS = {"position": reading("catalog", "monitoring")}
ORDERING = {"created_at": "at", "updated_at": "at", "alert_run_start_time": "at",
            "alert_time_bucket": "bucket_start", "severity": "state"}
DEFAULT_ORDERING = (("at", True),)
MAX_ORDERING_TERMS = 10


class AlertRecordOut(msgspec.Struct):
    uuid: str
    alert_config_uuid: str
    alert_config_revision: int
    alert_run_start_time: int  # epoch milliseconds: when the transition was recorded
    alert_time_bucket: int  # epoch milliseconds: the judged bucket's start
    alert_value: float
    critical_threshold: float
    warning_threshold: float | None
    baseline_time_bucket: int | None
    baseline_value: float | None
    is_alert: bool
    severity: str
    failure_reason: str
    message: str
    feature_name: str | None
    alert_record_main_version: int
    alert_record_sub_version: int
    created_at: str
    updated_at: str
    alert_id: str  # the v1 alert (monitor and bucket) this transition belongs to


def record_id(alert_id: str, step: int) -> str:
    """The record of the alert's `step`-th transition (from 1)."""
    return str(uuid5(RECORDS, f"{alert_id}/{step}"))


def list_records(database: Database, log: EventLog, ledger: PerfLedger, principal: Principal,
                 rule_id: str, start_time: datetime | None, end_time: datetime | None,
                 ordering: list[str] | None, limit: int, offset: int
                 ) -> Paginated[AlertRecordOut]:
    row, _ = find_rule(database, log, principal, rule_id)
    query = AlertingQuery(row.monitor_id, _bound("start_time", start_time),
                          _bound("end_time", end_time), _order(ordering), limit, offset)
    rows, total = alerting_transitions(database, query)
    revisions = rule_revisions(ledger, database, UUID(row.monitor_id)) if rows else []
    records = [record_of(found, row.monitor_id, revisions) for found in rows]
    return paginated(records, total, limit, offset)


def record_of(row: AlertingRow, monitor_id: str, revisions: list[RuleRevision]
              ) -> AlertRecordOut:
    data: dict[str, Any] = row.data
    revision = revision_at(revisions, row.position)
    rule = _rule(revision)
    value, other = data.get("value"), data.get("comparison_value")
    judged = None if rule is None else judged_value(rule, value, other)
    alert_value = judged if judged is not None else float(value or 0.0)
    bucket_ms = _millis(row.bucket_start)
    warning, critical = data.get("warning"), data.get("critical")
    severity = str(data["state"]).upper()
    at = _millis(row.at)
    return AlertRecordOut(
        uuid=record_id(row.alert_id, row.step), alert_config_uuid=monitor_id,
        alert_config_revision=0 if revision is None else revision.revision,
        alert_run_start_time=at, alert_time_bucket=bucket_ms, alert_value=alert_value,
        # The client needs a critical threshold; a v1 monitor may have only a warning one.
        critical_threshold=_first_number(critical, warning),
        warning_threshold=warning, baseline_time_bucket=_baseline_bucket(rule, row),
        baseline_value=other, is_alert=True, severity=severity, failure_reason="NA",
        message=_message(rule, data, alert_value), feature_name=None,
        alert_record_main_version=1, alert_record_sub_version=row.step,
        created_at=row.at, updated_at=row.at, alert_id=row.alert_id)


def _rule(revision: RuleRevision | None) -> MonitorRule | None:
    if revision is None:
        return None
    try:
        return MonitorRule.from_json(revision.rule)
    except DomainError:
        return None


def _baseline_bucket(rule: MonitorRule | None, row: AlertingRow) -> int | None:
    start = _millis(row.bucket_start)
    match None if rule is None else rule.compare_to:
        case CompareToPrevious(buckets_back=back):
            return start - back * WIDTHS[row.bucket] // 1000
        case CompareToVersion():
            return start
        case _:
            return None


def _first_number(*values: Any) -> float:
    return next((float(value) for value in values if isinstance(value, int | float)), 0.0)


def _number(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, int | float) else "none"


def _message(rule: MonitorRule | None, data: dict[str, Any], alert_value: float) -> str:
    state = str(data["state"])
    threshold = data.get(state)
    value, other = _number(data.get("value")), _number(data.get("comparison_value"))
    if rule is None:
        return f"{state} at {alert_value:.6g}"
    side = "below" if rule.condition == "below" else "above"
    crossed = f"{side} the {state} threshold {_number(threshold)}"
    match rule.compare_to:
        case CompareToPrevious(buckets_back=back):
            text = (f"{rule.metric} {value} changed by {alert_value:+.2%} against {other}"
                    f" {back} {rule.bucket}(s) earlier: {crossed}")
        case CompareToVersion(version_id=version):
            text = (f"{rule.metric} {value} differs by {alert_value:+.6g} from version"
                    f" '{version}' ({other}): {crossed}")
        case _:
            text = f"{rule.metric} {alert_value:.6g} is {crossed}"
    return text + (" (restated: data arrived after the bucket was judged)"
                   if data.get("restated") else "")


def _millis(timestamp: str) -> int:
    return to_micros(parse_timestamp(timestamp)) // 1000


def _bound(name: str, moment: datetime | None) -> str | None:
    """A query time as stored bucket starts are written; naive times are UTC."""
    if moment is None:
        return None
    try:
        return format_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (OverflowError, ValueError):
        raise InvalidInput(f"{name} falls outside the years 1 to 9999 in UTC",
                           {"field": name}) from None


def _order(ordering: list[str] | None) -> tuple[tuple[str, bool], ...]:
    """Repeated `ordering` parameters (each may be comma-joined); `-` descends."""
    names = [name.strip() for value in ordering or [] for name in value.split(",")
             if name.strip()]
    if len(names) > MAX_ORDERING_TERMS:
        raise InvalidInput(f"ordering takes at most {MAX_ORDERING_TERMS} fields",
                           {"field": "ordering"})
    terms = []
    for name in names:
        field = name.lstrip("-+")
        if field not in ORDERING:
            raise InvalidInput(f"ordering names unknown field '{field}'; fields:"
                               f" {', '.join(ORDERING)}", {"field": "ordering"})
        terms.append((ORDERING[field], name.startswith("-")))
    return tuple(terms) or DEFAULT_ORDERING


def _records(database: Database, log: EventLog, ledger: PerfLedger, principal: Principal,
             rule_id: str, position: int, start_time: datetime | None,
             end_time: datetime | None, ordering: list[str] | None, limit: int, offset: int
             ) -> Response[Paginated[AlertRecordOut]]:
    return answer(list_records(database, log, ledger, principal, rule_id, start_time, end_time,
                               ordering, limit, offset), position)


class AlertRecordController(Controller):
    path = "/alert-rules/{alert_rule_id:str}/records"
    tags = ["v3 alert rules"]

    @get("/", guards=[requires("model:read")], operation_id="v3ListAlertRecords",
         sync_to_thread=True, dependencies=READS)
    def list_alert_records(
        self, alert_rule_id: str, principal: Principal, database: Database, log: EventLog,
        ledger: PerfLedger, position: int, start_time: datetime | None = None,
        end_time: datetime | None = None, ordering: list[str] | None = None,
        limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[AlertRecordOut]]:
        """Newest first unless `ordering` says otherwise (repeat it, or join with commas)."""
        return _records(database, log, ledger, principal, alert_rule_id, position, start_time,
                        end_time, ordering, limit, offset)


class AlertConfigRecordController(Controller):
    """The path fiddler-client 3.x reads records from."""

    path = "/alert-configs/{alert_config_id:str}/records"
    tags = ["v3 alert rules"]

    @get("/", guards=[requires("model:read")], operation_id="v2ListAlertConfigRecords",
         sync_to_thread=True, dependencies=READS)
    def list_alert_config_records(
        self, alert_config_id: str, principal: Principal, database: Database, log: EventLog,
        ledger: PerfLedger, position: int, start_time: datetime | None = None,
        end_time: datetime | None = None, ordering: list[str] | None = None,
        limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[AlertRecordOut]]:
        """As `GET /v3/alert-rules/{id}/records`."""
        return _records(database, log, ledger, principal, alert_config_id, position,
                        start_time, end_time, ordering, limit, offset)
