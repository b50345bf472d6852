"""Each monitor's latest bucket value and open alerts, for an organization's own scrape."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from perfledger.domain.errors import DomainError, Unprocessable
from perfledger.domain.monitoring.rules import PROMOTED, MonitorRule, is_input_metric
from perfledger.domain.timestamps import from_micros
from perfledger.projections.database import Tx
from perfledger.projections.inputs.measures import Scope
from perfledger.projections.inputs.monitored import WatchedInput, watched_buckets
from perfledger.projections.json import loads
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.performance.schema import VIEWS
from perfledger.projections.performance.timeseries import Window, timeseries_in
from perfledger.projections.performance.windows import (
    WIDTHS,
    BucketStats,
    SeriesKind,
    bucket_start,
    kind_of_model,
)

log = logging.getLogger(__name__)
RECENT_BUCKETS = 30  # how far back the latest value with labeled rows is looked for


@dataclass(frozen=True)
class MonitoredValue:
    model_id: str
    model_name: str
    monitor_id: str
    monitor_name: str
    metric: str
    bucket: str
    version_id: str
    value: float
    row_count: int  # labeled rows for a performance metric, rows for an input metric
    bucket_start_seconds: float

    @property
    def watches_inputs(self) -> bool:
        return is_input_metric(self.metric)


def monitored_values(tx: Tx, organization_id: str, now: int) -> list[MonitoredValue]:
    """The newest bucket (of the last RECENT_BUCKETS, the current one included) with a value
    of each enabled monitor of the organization, on the version it watches."""
    found = []
    kinds: dict[str, SeriesKind] = {}
    # monitors of one series, bucket width and tags (differing by metric or thresholds) read
    # its buckets once
    read: dict[tuple[int, Window, tuple[tuple[str, str], ...]], list[BucketStats] | None] = {}
    for monitor_id, model_id, rule_text, model_name, promoted in tx.rows(
            "SELECT m.monitor_id, m.model_id, m.rule, r.name, r.promoted_version_id"
            " FROM monitors m JOIN registry_models r ON r.model_id = m.model_id"
            " WHERE m.organization_id = ? AND m.deleted = 0 AND m.enabled = 1"
            " ORDER BY m.model_id, m.monitor_id", (organization_id,)):
        rule = MonitorRule.from_json(loads(rule_text))
        version_id = promoted if rule.version == PROMOTED else rule.version
        if version_id is None:
            continue
        if is_input_metric(rule.metric):
            found += _input_value(tx, now, rule, str(model_id), str(model_name),
                                  str(monitor_id), str(version_id))
            continue
        series_id = series_id_of(tx, str(model_id), str(version_id), str(rule.dataset_split))
        if series_id is None:
            continue
        width = WIDTHS[rule.bucket]
        end = bucket_start(now, width) + width
        window = Window(rule.bucket, end - RECENT_BUCKETS * width, end)
        if model_id not in kinds:
            kinds[model_id] = kind_of_model(tx, VIEWS, str(model_id))
        kind = kinds[model_id]
        key = (series_id, window, tuple(sorted(rule.tags.items())))
        if key not in read:
            read[key] = _buckets(tx, kind, series_id, window, rule.tags)
        for bucket in reversed(read[key] or []):
            value = None if bucket.metrics is None else bucket.metrics.get(rule.metric)
            if value is not None:
                found.append(MonitoredValue(
                    str(model_id), str(model_name), str(monitor_id), rule.name, rule.metric,
                    rule.bucket, str(version_id), float(value), bucket.labeled_count,
                    from_micros(bucket.start).timestamp()))
                break
    return found


def _input_value(tx: Tx, now: int, rule: MonitorRule, model_id: str, model_name: str,
                 monitor_id: str, version_id: str) -> list[MonitoredValue]:
    """The newest recent bucket with a value of an input monitor (none when its baseline is
    gone or its model no longer declares the column: its evaluation logs why)."""
    width = WIDTHS[rule.bucket]
    end = bucket_start(now, width) + width
    window = Window(rule.bucket, end - RECENT_BUCKETS * width, end)
    try:
        buckets = watched_buckets(tx, Scope(model_id, version_id, str(rule.dataset_split)),
                                  window, WatchedInput(rule.metric, rule.column, rule.baseline))
    except DomainError as error:
        log.warning("monitor %s is left out of the scrape: %s", monitor_id, error.message)
        return []
    for start in sorted(buckets, reverse=True):
        if buckets[start].value is not None:
            return [MonitoredValue(model_id, model_name, monitor_id, rule.name, rule.metric,
                                   rule.bucket, version_id, float(buckets[start].value or 0),
                                   buckets[start].rows, from_micros(start).timestamp())]
    return []


def _buckets(tx: Tx, kind: SeriesKind, series_id: int, window: Window,
             tags: dict[str, str]) -> list[BucketStats] | None:
    """None when a tag filter's window holds more rows than one answer reads: that monitor
    is left out of the scrape (its evaluation says why), not the whole scrape failed."""
    try:
        return timeseries_in(tx, kind, series_id, window, tags)
    except Unprocessable as too_large:
        log.warning("a monitored series is left out of the scrape: %s", too_large.message)
        return None


def open_alert_counts(tx: Tx, organization_id: str) -> list[tuple[str, str, str, str, int]]:
    """(model name, monitor id, monitor name, severity, open alerts) of the organization."""
    return [(str(model), str(monitor_id), loads(rule)["name"], str(state), int(count))
            for model, monitor_id, rule, state, count in tx.rows(
                "SELECT r.name, a.monitor_id, m.rule, a.state, COUNT(*) FROM alerts a"
                " JOIN monitors m ON m.monitor_id = a.monitor_id"
                " JOIN registry_models r ON r.model_id = a.model_id"
                " WHERE a.organization_id = ? AND a.state <> 'ok' AND m.deleted = 0"
                " GROUP BY r.name, a.monitor_id, m.rule, a.state"
                " ORDER BY r.name, a.monitor_id, a.state", (organization_id,))]
