"""The scheduler's `evaluate_monitors`: each enabled monitor judges its recent buckets and
records a transition only where a bucket's state changes.

A monitor judges the last LOOKBACK_BUCKETS buckets whose end plus its evaluation delay has
passed, from the stored buckets (or the rows, when it names tags). It is skipped when
nothing it reads changed since its last evaluation (its series' revisions and counts, its
rule, the version it follows, the newest bucket due). One pass reads every series' state and
every judged monitor's alerts in one statement each, and the buckets of a series once
however many monitors watch it; the transitions of a pass are appended together. A verdict
that changes on a bucket already judged under the same rule and version was changed by data
that came late: `restated`.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from perfledger.domain.aggregate import acting
from perfledger.domain.application import PerfLedger
from perfledger.domain.commands.monitoring import BucketJudgment
from perfledger.domain.errors import DomainError
from perfledger.domain.monitoring.alert import Verdict
from perfledger.domain.monitoring.judging import OK, judged_value, state_of
from perfledger.domain.monitoring.rules import (
    PROMOTED,
    CompareToPrevious,
    CompareToVersion,
    MonitorRule,
    is_input_metric,
)
from perfledger.domain.timestamps import format_micros, to_micros
from perfledger.projections.database import Tx
from perfledger.projections.engine import Engine
from perfledger.projections.inputs.measures import Scope
from perfledger.projections.inputs.monitored import WatchedInput, watched_buckets
from perfledger.projections.json import dumps
from perfledger.projections.monitoring.queries import MonitorRow, enabled_monitors
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
READS = ("performance", "monitoring", "registry", "inputs")
# A pass stops judging after this long (at least one monitor is judged); the monitors it did
# not reach come first in the next pass, and the organizations take turns within a pass, so
# one tenant's costly monitors (tags over many rows) delay nobody else's by more than a turn.
PASS_BUDGET_SECONDS = 5.0
MINUTE = 60_000_000


@dataclass(frozen=True)
class _Previous:
    evaluated_at: int
    stamp: str
    rule_position: int
    version_id: str


@dataclass(frozen=True)
class _Plan:
    """What one monitor reads this time."""

    monitor: MonitorRow
    rule: MonitorRule
    version_id: str
    first: int  # the oldest and newest buckets judged (starts, microseconds)
    last: int
    mine: int | None  # series ids (performance monitors)
    other: int | None
    stamp: str

    @property
    def watches_inputs(self) -> bool:
        return is_input_metric(self.rule.metric)


@dataclass(frozen=True)
class _Measured:
    """A bucket's value, and the rows it rests on (labeled rows for a performance metric)."""

    value: float | None
    count: int


@dataclass(frozen=True)
class Evaluation:
    monitors: int  # evaluated (not skipped)
    transitions: int  # appended


def evaluate_monitors(engine: Engine, ledger: PerfLedger, now: datetime | None = None
                      ) -> Evaluation:
    moment = to_micros(now or datetime.now(UTC))
    position = engine.visible_position(READS)
    with engine.database.read() as tx:
        evaluation = _Pass(tx, moment, position)
        judgments, judged = evaluation.judge(evaluation.plans(), PASS_BUDGET_SECONDS)
    appended, failed = _record(ledger, judgments)
    _remember(engine, [plan for plan in judged if plan.monitor.monitor_id not in failed], moment)
    return Evaluation(len(judged), appended)


class _Pass:
    """One evaluation of every monitor, inside one read transaction."""

    def __init__(self, tx: Tx, moment: int, position: int) -> None:
        self.tx = tx
        self.moment = moment
        self.position = position
        self.kinds: dict[str, SeriesKind] = {}
        self.buckets: dict[tuple[Any, ...], dict[int, BucketStats]] = {}
        self.inputs: dict[tuple[Any, ...], dict[int, _Measured]] = {}

    def plans(self) -> list[_Plan]:
        """The enabled monitors whose inputs moved since their last evaluation."""
        tx = self.tx
        previous = {str(row[0]): _Previous(int(row[1]), str(row[2]), int(row[3]), str(row[4]))
                    for row in tx.rows("SELECT monitor_id, evaluated_at, stamp, rule_position,"
                                       " version_id FROM monitor_evaluations")}
        monitors = enabled_monitors(tx)
        models = sorted({monitor.model_id for monitor in monitors})
        if not models:
            return []
        registered = tx.rows_in("SELECT model_id, promoted_version_id FROM registry_models"
                                " WHERE 1 = 1", (), "model_id", models)
        promoted = {str(model_id): str(version) for model_id, version in registered
                    if version is not None}
        present = {str(model_id) for model_id, _ in registered}  # not deleted
        monitors = [monitor for monitor in monitors if monitor.model_id in present]
        series = {(str(model_id), str(version), str(split)): (int(series_id), stamp)
                  for model_id, version, split, series_id, *stamp in tx.rows_in(
                      "SELECT model_id, version_id, dataset_split, series_id, revision,"
                      " row_count, labeled_count, dirty FROM perf_series WHERE 1 = 1", (),
                      "model_id", models)}
        inputs = self._input_stamps(models)
        self.previous = previous
        plans = []
        for monitor in monitors:
            plan = self._plan(monitor, promoted, series, inputs)
            last = previous.get(monitor.monitor_id)
            if plan is not None and (last is None or last.stamp != plan.stamp):
                plans.append(plan)
        served: dict[str, int] = {}  # when each organization last had a monitor judged
        for monitor in monitors:
            last = previous.get(monitor.monitor_id)
            served[monitor.organization_id] = max(served.get(monitor.organization_id, -1),
                                                  -1 if last is None else last.evaluated_at)
        return _in_turns(plans, previous, served)

    def _input_stamps(self, models: list[str]) -> dict[str, Any]:
        """What an input monitor's values rest on, per model: the revisions of its input
        series and its baselines (a static baseline may be another split's)."""
        stamps: dict[str, Any] = {}
        for model_id, version, split, revision in self.tx.rows_in(
                "SELECT model_id, version_id, dataset_split, revision FROM input_series"
                " WHERE 1 = 1", (), "model_id", models):
            stamps.setdefault(str(model_id), []).append([str(version), str(split), int(revision)])
        for model_id, baseline_id, position in self.tx.rows_in(
                "SELECT model_id, baseline_id, position FROM input_baselines WHERE 1 = 1",
                (), "model_id", models):
            stamps.setdefault(str(model_id), []).append([str(baseline_id), int(position)])
        return {model_id: sorted(found) for model_id, found in stamps.items()}

    def _plan(self, monitor: MonitorRow, promoted: dict[str, str],
              series: dict[tuple[str, str, str], tuple[int, Any]], inputs: dict[str, Any]
              ) -> _Plan | None:
        rule = MonitorRule.from_json(monitor.rule)
        version_id = promoted.get(monitor.model_id) if rule.version == PROMOTED else rule.version
        if version_id is None:  # follows the promoted version, and none is promoted yet
            return None
        width = WIDTHS[rule.bucket]
        last = bucket_start(self.moment - rule.evaluation_delay_minutes * MINUTE, width) - width
        split = str(rule.dataset_split)
        mine = series.get((monitor.model_id, version_id, split))
        other = (series.get((monitor.model_id, rule.compare_to.version_id, split))
                 if isinstance(rule.compare_to, CompareToVersion) else None)
        read = ([inputs.get(monitor.model_id)] if is_input_metric(rule.metric) else
                [None if mine is None else mine[1], None if other is None else other[1]])
        stamp = dumps([last, version_id, monitor.position, *read])
        return _Plan(monitor, rule, version_id, last - (LOOKBACK_BUCKETS - 1) * width, last,
                     None if mine is None else mine[0], None if other is None else other[0],
                     stamp)

    def judge(self, plans: list[_Plan], budget_seconds: float
              ) -> tuple[list[BucketJudgment], list[_Plan]]:
        """The verdicts that change a bucket's state, and the plans judged within the budget."""
        if not plans:
            return [], []
        deadline = time.monotonic() + budget_seconds
        states = self._alert_states(plans)
        judgments: list[BucketJudgment] = []
        judged: list[_Plan] = []
        for plan in plans:
            if judged and time.monotonic() >= deadline:
                break
            judged.append(plan)
            try:
                judgments += self._judge(plan, states.get(plan.monitor.monitor_id, {}))
            except DomainError as error:  # e.g. a tagged monitor over too many rows
                log.warning("monitor %s could not be evaluated: %s", plan.monitor.monitor_id,
                            error.message)
        return judgments, judged

    def _alert_states(self, plans: list[_Plan]) -> dict[str, dict[str, tuple[str, str]]]:
        """Each monitor's alerts (bucket start -> (width, state)) from the oldest judged."""
        first = min(plan.first for plan in plans)
        states: dict[str, dict[str, tuple[str, str]]] = {}
        for monitor_id, bucket, start, state in self.tx.rows_in(
                "SELECT monitor_id, bucket, bucket_start, state FROM alerts"
                " WHERE bucket_start >= ?", (format_micros(first),), "monitor_id",
                sorted({plan.monitor.monitor_id for plan in plans})):
            states.setdefault(str(monitor_id), {})[str(start)] = (str(bucket), str(state))
        return states

    def _judge(self, plan: _Plan, alerts: dict[str, tuple[str, str]]) -> list[BucketJudgment]:
        rule, monitor = plan.rule, plan.monitor
        width = WIDTHS[rule.bucket]
        back = rule.compare_to.buckets_back if isinstance(rule.compare_to, CompareToPrevious) else 0
        window = Window(rule.bucket, plan.first - back * width, plan.last + width)
        buckets = self._measured(plan, plan.version_id, plan.mine, window)
        alone = not isinstance(rule.compare_to, CompareToPrevious | CompareToVersion)
        compared = (self._measured(plan, rule.compare_to.version_id, plan.other, window)
                    if isinstance(rule.compare_to, CompareToVersion) else buckets)
        least = _least_count(rule)
        previous = self.previous.get(monitor.monitor_id)
        same_question = (previous is not None and previous.rule_position == monitor.position
                         and previous.version_id == plan.version_id)
        found = []
        for start in range(plan.first, plan.last + width, width):
            verdict = _verdict(rule, plan.version_id, buckets[start],
                               compared[start - back * width], alone, least, self.position)
            iso = format_micros(start)
            width_name, state = alerts.get(iso, (rule.bucket, OK))
            known = iso in alerts and width_name == rule.bucket
            if verdict.state == (state if known else OK):
                continue
            judged_before = same_question and previous is not None and (
                previous.evaluated_at >= start + width + rule.evaluation_delay_minutes * MINUTE)
            found.append(BucketJudgment(
                monitor.organization_id, monitor.model_id, UUID(monitor.monitor_id),
                rule.bucket, iso, replace(verdict, restated=judged_before), known))
        return found

    def _measured(self, plan: _Plan, version_id: str, series_id: int | None, window: Window
                  ) -> dict[int, _Measured]:
        """The value the rule judges on each bucket of the window, of a version."""
        rule, model_id = plan.rule, plan.monitor.model_id
        if not plan.watches_inputs:
            return {start: _Measured(_metric(bucket, rule.metric), bucket.labeled_count)
                    for start, bucket in self._buckets(model_id, series_id, window,
                                                       rule.tags).items()}
        watched = WatchedInput(rule.metric, rule.column, rule.baseline)
        key = (model_id, version_id, str(rule.dataset_split), window, watched)
        if key not in self.inputs:
            scope = Scope(model_id, version_id, str(rule.dataset_split))
            self.inputs[key] = {start: _Measured(found.value, found.rows) for start, found in
                                watched_buckets(self.tx, scope, window, watched).items()}
        return self.inputs[key]

    def _buckets(self, model_id: str, series_id: int | None, window: Window,
                 tags: dict[str, str]) -> dict[int, BucketStats]:
        """The window's buckets of a series, read once per pass."""
        key = (series_id, window.bucket, window.start, window.end, tuple(sorted(tags.items())))
        if key not in self.buckets:
            if model_id not in self.kinds:
                self.kinds[model_id] = kind_of_model(self.tx, VIEWS, model_id)
            self.buckets[key] = {b.start: b for b in timeseries_in(
                self.tx, self.kinds[model_id], series_id, window, tags)}
        return self.buckets[key]


def _in_turns(plans: list[_Plan], previous: dict[str, _Previous], served: dict[str, int]
              ) -> list[_Plan]:
    """The organizations take turns, the one served longest ago first; within one, the
    monitors evaluated longest ago come first."""
    queues: dict[str, list[_Plan]] = {}
    for plan in sorted(plans, key=lambda p: (_evaluated_at(previous, p), p.monitor.monitor_id)):
        queues.setdefault(plan.monitor.organization_id, []).append(plan)
    order = sorted(queues, key=lambda organization: (served[organization], organization))
    ordered: list[_Plan] = []
    for turn in itertools.zip_longest(*(queues[organization] for organization in order)):
        ordered += [plan for plan in turn if plan is not None]
    return ordered


def _evaluated_at(previous: dict[str, _Previous], plan: _Plan) -> int:
    last = previous.get(plan.monitor.monitor_id)
    return -1 if last is None else last.evaluated_at


def _least_count(rule: MonitorRule) -> int:
    """The rows a bucket needs to be judged: labeled rows for a performance metric, rows for
    an input metric; traffic is judged whatever it is (no rows is the alert)."""
    if rule.metric == "traffic":
        return 0
    return rule.min_rows if is_input_metric(rule.metric) else rule.min_labeled


def _verdict(rule: MonitorRule, version_id: str, mine: _Measured, other: _Measured,
             alone: bool, least: int, position: int) -> Verdict:
    """`alone`: the value itself is judged; else its change against `other` (an earlier
    bucket, or another version's)."""
    enough = mine.count >= least and (alone or other.count >= least)
    comparison = None if alone else other.value
    judged = judged_value(rule, mine.value, comparison) if enough else None
    return Verdict(state_of(rule, judged), version_id, mine.value, comparison, rule.warning,
                   rule.critical, mine.count, position, False)


def _metric(bucket: BucketStats, metric: str) -> float | None:
    if bucket.metrics is None:
        return None
    value = bucket.metrics.get(metric)
    return None if value is None else float(value)


def _record(ledger: PerfLedger, judgments: list[BucketJudgment]) -> tuple[int, set[str]]:
    """Appends the transitions; the monitors whose transitions could not be appended (a
    concurrent evaluation) are evaluated again next time."""
    with acting("scheduler:monitors"):
        try:
            return ledger.judge_buckets(judgments), set()
        except DomainError as error:
            log.warning("could not record %d verdicts together (%s); one by one",
                        len(judgments), error.message)
        appended, failed = 0, set()
        for judgment in judgments:
            try:
                appended += ledger.judge_buckets([replace(judgment, known=True)])
            except DomainError as error:
                log.warning("monitor %s: could not record a verdict: %s",
                            judgment.monitor_id, error.message)
                failed.add(str(judgment.monitor_id))
        return appended, failed


def _remember(engine: Engine, plans: list[_Plan], moment: int) -> None:
    with engine.database.transaction() as tx:
        tx.executemany("DELETE FROM monitor_evaluations WHERE monitor_id = ?",
                       [(plan.monitor.monitor_id,) for plan in plans])
        tx.executemany("INSERT INTO monitor_evaluations (monitor_id, evaluated_at, stamp,"
                       " rule_position, version_id) VALUES (?, ?, ?, ?, ?)",
                       [(plan.monitor.monitor_id, moment, plan.stamp, plan.monitor.position,
                         plan.version_id) for plan in plans])
