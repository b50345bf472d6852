"""The scheduler's `evaluate_monitors`: each enabled monitor judges its recent buckets and
records a transition only where a bucket's state changes.

A monitor judges the last LOOKBACK_BUCKETS buckets whose end plus its evaluation delay has
passed, from the stored buckets (or the rows, when it names tags). It is skipped when
nothing it reads changed since its last evaluation (its series' revisions and counts, its
rule, the version it follows, the newest bucket due), so an evaluation after a settle costs
one indexed read per monitor whose data moved. A verdict that changes on a bucket already
judged under the same rule and version was changed by data that came late: `restated`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from perfledger.domain.aggregate import acting
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import DomainError
from perfledger.domain.monitoring.alert import Verdict
from perfledger.domain.monitoring.judging import OK, judged_value, state_of
from perfledger.domain.monitoring.rules import (
    PROMOTED,
    CompareToPrevious,
    CompareToVersion,
    MonitorRule,
)
from perfledger.domain.timestamps import format_micros, to_micros
from perfledger.projections.database import Tx
from perfledger.projections.engine import Engine
from perfledger.projections.json import dumps
from perfledger.projections.monitoring.queries import MonitorRow, alert_states, enabled_monitors
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

log = logging.getLogger("perfledger.scheduler")

LOOKBACK_BUCKETS = 30
EVALUATION_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS monitor_evaluations ("
    " monitor_id TEXT PRIMARY KEY, evaluated_at BIGINT NOT NULL, stamp TEXT NOT NULL,"
    " rule_position BIGINT NOT NULL, version_id TEXT NOT NULL)",
)
READS = ("performance", "monitoring", "registry")


@dataclass(frozen=True)
class _Previous:
    evaluated_at: int
    stamp: str
    rule_position: int
    version_id: str


@dataclass(frozen=True)
class _Judgment:
    monitor: MonitorRow
    bucket_start: str
    verdict: Verdict


@dataclass(frozen=True)
class Evaluation:
    monitors: int  # evaluated (not skipped)
    transitions: int  # appended


def evaluate_monitors(engine: Engine, ledger: PerfLedger, now: datetime | None = None
                      ) -> Evaluation:
    moment = to_micros(now or datetime.now(UTC))
    position = engine.visible_position(READS)
    judgments: list[_Judgment] = []
    evaluated: list[tuple[str, str, int, str]] = []
    with engine.database.read() as tx:
        previous = {str(row[0]): _Previous(int(row[1]), str(row[2]), int(row[3]), str(row[4]))
                    for row in tx.rows("SELECT monitor_id, evaluated_at, stamp, rule_position,"
                                       " version_id FROM monitor_evaluations")}
        promoted = {str(model_id): version for model_id, version in tx.rows(
            "SELECT model_id, promoted_version_id FROM registry_models"
            " WHERE promoted_version_id IS NOT NULL")}
        kinds: dict[str, SeriesKind] = {}
        for monitor in enabled_monitors(tx):
            try:
                judged = _evaluate(tx, monitor, promoted, kinds, previous.get(monitor.monitor_id),
                                   moment, position)
            except DomainError as error:  # e.g. a tagged monitor over too many rows
                log.warning("monitor %s could not be evaluated: %s", monitor.monitor_id,
                            error.message)
                continue
            if judged is not None:
                found, stamp, version_id = judged
                judgments += found
                evaluated.append((monitor.monitor_id, stamp, monitor.position, version_id))
    appended, failed = _record(ledger, judgments)
    _remember(engine, [e for e in evaluated if e[0] not in failed], moment)
    return Evaluation(len(evaluated), appended)


def _evaluate(tx: Tx, monitor: MonitorRow, promoted: dict[str, str],
              kinds: dict[str, SeriesKind], previous: _Previous | None, moment: int,
              position: int) -> tuple[list[_Judgment], str, str] | None:
    rule = MonitorRule.from_json(monitor.rule)
    version_id = promoted.get(monitor.model_id) if rule.version == PROMOTED else rule.version
    if version_id is None:  # follows the promoted version, and none is promoted yet
        return None
    width = WIDTHS[rule.bucket]
    due_before = moment - rule.evaluation_delay_minutes * 60_000_000
    last = bucket_start(due_before, width) - width  # the newest bucket wholly due
    first = last - (LOOKBACK_BUCKETS - 1) * width
    split = str(rule.dataset_split)
    mine = series_id_of(tx, monitor.model_id, version_id, split)
    other_version = (rule.compare_to.version_id if isinstance(rule.compare_to, CompareToVersion)
                     else None)
    other = (None if other_version is None
             else series_id_of(tx, monitor.model_id, other_version, split))
    stamp = dumps([last, version_id, monitor.position, _series_stamp(tx, mine),
                   _series_stamp(tx, other)])
    if previous is not None and previous.stamp == stamp:
        return None
    if monitor.model_id not in kinds:
        kinds[monitor.model_id] = kind_of_model(tx, VIEWS, monitor.model_id)
    kind = kinds[monitor.model_id]
    back = rule.compare_to.buckets_back if isinstance(rule.compare_to, CompareToPrevious) else 0
    window = Window(rule.bucket, first - back * width, last + width)
    buckets = {b.start: b for b in timeseries_in(tx, kind, mine, window, rule.tags)}
    compared = (buckets if other_version is None else
                {b.start: b for b in timeseries_in(tx, kind, other, window, rule.tags)})
    states = alert_states(tx, monitor.monitor_id, rule.bucket, format_micros(first))
    same_question = (previous is not None and previous.rule_position == monitor.position
                     and previous.version_id == version_id)
    found = []
    for start in range(first, last + width, width):
        verdict = _verdict(rule, version_id, buckets[start], compared[start - back * width],
                           position)
        iso = format_micros(start)
        if verdict.state == states.get(iso, OK):
            continue
        judged_before = same_question and previous is not None and (
            previous.evaluated_at >= start + width + rule.evaluation_delay_minutes * 60_000_000)
        found.append(_Judgment(monitor, iso, replace(verdict, restated=judged_before)))
    return found, stamp, version_id


def _verdict(rule: MonitorRule, version_id: str, mine: BucketStats, other: BucketStats,
             position: int) -> Verdict:
    labeled = mine.labeled_count
    enough = labeled >= rule.min_labeled and (
        other is mine or other.labeled_count >= rule.min_labeled)
    value = _metric(mine, rule.metric)
    comparison = None if other is mine else _metric(other, rule.metric)
    judged = judged_value(rule, value, comparison) if enough else None
    return Verdict(state_of(rule, judged), version_id, value, comparison
                   if other is not mine else None, rule.warning, rule.critical, labeled,
                   position, False)


def _metric(bucket: BucketStats, metric: str) -> float | None:
    if bucket.metrics is None:
        return None
    value = bucket.metrics.get(metric)
    return None if value is None else float(value)


def _series_stamp(tx: Tx, series_id: int | None) -> Any:
    if series_id is None:
        return None
    return list(tx.row("SELECT revision, row_count, labeled_count, dirty FROM perf_series"
                       " WHERE series_id = ?", (series_id,)) or ())


def _record(ledger: PerfLedger, judgments: list[_Judgment]) -> tuple[int, set[str]]:
    """Appends each transition; the monitors whose transitions could not all be appended
    (a concurrent evaluation) are evaluated again next time."""
    appended, failed = 0, set()
    with acting("scheduler:monitors"):
        for judgment in judgments:
            monitor = judgment.monitor
            try:
                position = ledger.judge_bucket(
                    monitor.organization_id, monitor.model_id, UUID(monitor.monitor_id),
                    MonitorRule.from_json(monitor.rule).bucket, judgment.bucket_start,
                    judgment.verdict)
            except DomainError as error:
                log.warning("monitor %s: could not record a verdict: %s", monitor.monitor_id,
                            error.message)
                failed.add(monitor.monitor_id)
            else:
                appended += position is not None
    return appended, failed


def _remember(engine: Engine, evaluated: list[tuple[str, str, int, str]], moment: int) -> None:
    with engine.database.transaction() as tx:
        tx.executemany("DELETE FROM monitor_evaluations WHERE monitor_id = ?",
                       [(monitor_id,) for monitor_id, *_ in evaluated])
        tx.executemany("INSERT INTO monitor_evaluations (monitor_id, evaluated_at, stamp,"
                       " rule_position, version_id) VALUES (?, ?, ?, ?, ?)",
                       [(monitor_id, moment, stamp, rule_position, version_id)
                        for monitor_id, stamp, rule_position, version_id in evaluated])
