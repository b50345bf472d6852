"""The value an input monitor judges on each bucket of a window: a column's drift from a
baseline, its missing values or violations, the rows with any violation, or the traffic;
with `__ANY__`, the worst column's. Measured from the stored buckets as the queries are."""

from __future__ import annotations

from dataclasses import dataclass

from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.monitoring.input_metrics import ANY_COLUMN, DRIFT_METRICS, ROW_METRICS
from perfledger.projections.database import Tx
from perfledger.projections.inputs.measures import Scope, drift_of, integrity_of
from perfledger.projections.inputs.queries import (
    StoredBuckets,
    find_baseline,
    model_columns_of,
    series_of,
)
from perfledger.projections.performance.timeseries import Window


@dataclass(frozen=True)
class WatchedInput:
    """What an input monitor watches."""

    metric: str
    column: str | None
    baseline: str | None  # id or name; None: the model's default


@dataclass(frozen=True)
class InputBucket:
    value: float | None
    rows: int


def watched_buckets(tx: Tx, scope: Scope, window: Window, watched: WatchedInput
                    ) -> dict[int, InputBucket]:
    """Each bucket start of the window, with the value judged and the bucket's rows."""
    metric = watched.metric
    if metric == "traffic":
        return _traffic(tx, scope, window)
    columns = _columns(tx, scope.model_id, watched)
    if metric in DRIFT_METRICS:
        baseline = find_baseline(tx, scope.model_id, watched.baseline)
        drift = drift_of(StoredBuckets(tx), scope, window, baseline, columns, [metric])
        return {point.start: InputBucket(_worst([point.columns[c.name][metric]
                                                  for c in columns]), point.sample_count)
                for point in drift.points}
    found = {}
    counted = [] if metric in ROW_METRICS else columns
    for point in integrity_of(StoredBuckets(tx), scope, window, counted):
        value = point[metric] if metric in ROW_METRICS else _worst(
            [point["columns"][c.name][metric] for c in columns])
        rows = point["sample_count"]
        found[point["start"]] = InputBucket(value if rows else None, rows)  # none: no value
    return found


def _columns(tx: Tx, model_id: str, watched: WatchedInput) -> list[ColumnSpec]:
    every = model_columns_of(tx, model_id)
    usable = [c for c in every if c.binned] if watched.metric in DRIFT_METRICS else every
    if watched.column == ANY_COLUMN:
        return usable
    return [c for c in usable if c.name == watched.column]


def _traffic(tx: Tx, scope: Scope, window: Window) -> dict[int, InputBucket]:
    """Rows per bucket from the series' first bucket on: an empty bucket after it counts 0
    (traffic that stopped), one before it has no value."""
    series = series_of(tx, scope.model_id, scope.version_id, scope.split)
    points = integrity_of(StoredBuckets(tx), scope, window, [])
    first = None if series is None else tx.value(
        "SELECT MIN(start) FROM input_traffic WHERE series_id = ? AND width = ?",
        (series, window.bucket))
    return {point["start"]: InputBucket(
        None if first is None or point["start"] < int(first) else float(point["sample_count"]),
        point["sample_count"]) for point in points}


def _worst(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None
