"""Drift, distributions and data integrity of a model's columns over a window of buckets,
against a baseline: sums of stored buckets, measured with the registry's statistics."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from perfledger.domain.errors import Unprocessable
from perfledger.domain.inputs.baselines import BaselineDefinition
from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics.columns import BinCounts, ColumnStatistics
from perfledger.domain.metrics.drift import jensen_shannon, stability_index
from perfledger.projections.database import Tx
from perfledger.projections.inputs.projection import declares_columns
from perfledger.projections.inputs.queries import (
    VIEWS,
    BaselineRow,
    Buckets,
    StoredBuckets,
    model_columns_of,
    series_of,
    summed,
)
from perfledger.projections.performance.timeseries import Window
from perfledger.projections.performance.windows import WIDTHS, bucket_start


@dataclass(frozen=True)
class Scope:
    """Which rows: a model's version on a split."""

    model_id: str
    version_id: str
    split: str


@dataclass(frozen=True)
class DriftPoint:
    start: int
    sample_count: int
    columns: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Drift:
    points: list[DriftPoint]
    ranking: list[dict[str, Any]]


def chosen_columns(tx: Tx, model_id: str, asked: list[str] | None, binned_only: bool
                   ) -> list[ColumnSpec]:
    """The columns asked for (every one, else), refusing a name the model has not or, for
    drift, a column without bins; Unprocessable naming the valid ones."""
    if not declares_columns(tx, VIEWS, model_id):
        raise Unprocessable(f"Model '{model_id}' declares no columns, so its inputs are not"
                            " measured: declare their types (`columns` when the model is"
                            " created) to measure drift and data integrity",
                            {"field": "columns"})
    every = model_columns_of(tx, model_id)
    valid = [c for c in every if c.binned] if binned_only else every
    if asked is None:
        return valid
    by_name = {column.name: column for column in every}
    for name in asked:
        column = by_name.get(name)
        if column is None or (binned_only and not column.binned):
            why = ("has no bins: declare its type with min and max, or categories" if column
                   else "is not one of the model's columns")
            shown = ", ".join(c.name for c in valid[:100]) or "none"
            raise Unprocessable(f"Column {name[:200]!r} {why}; the columns measured: {shown}",
                                {"field": "columns"})
    return [by_name[name] for name in dict.fromkeys(asked)]


def drift_of(buckets: Buckets, scope: Scope, window: Window, baseline: BaselineRow,
             columns: list[ColumnSpec], metrics: list[str]) -> Drift:
    series = series_of(buckets.tx, scope.model_id, scope.version_id, scope.split)
    found = buckets.counts(series, window.bucket, window.start, window.end, columns)
    rows = buckets.traffic(series, window.bucket, window.start, window.end)
    starts = list(window.starts)
    references = _baseline_statistics(buckets, scope, baseline, window, columns)
    measured: dict[str, dict[str, list[float | None]]] = {}
    ranking = []
    for column in columns:
        counts = np.array([_counts(found, column, start) for start in starts], dtype=np.int64)
        reference = np.array([references[i][column.name].bins for i in range(len(starts))]
                             if len(references) > 1 else
                             [references[0][column.name].bins], dtype=np.int64)
        if counts.size == 0:
            counts = counts.reshape(0, column.bin_count)
        measured[column.name] = _metrics(counts, reference, metrics)
        whole = counts.sum(axis=0, keepdims=True)
        whole_reference = (reference.sum(axis=0, keepdims=True) if len(references) > 1
                           else reference)
        overall = _metrics(whole, whole_reference, metrics)
        ranking.append({"column": column.name, **{m: overall[m][0] for m in metrics}})
    points = [DriftPoint(start, rows.get(start, (0, 0))[0], {
        column.name: {**{m: measured[column.name][m][i] for m in metrics},
                      "missing_count": _missing(found, column, start)}
        for column in columns}) for i, start in enumerate(starts)]
    key = metrics[0]
    ranking.sort(key=lambda entry: (entry[key] is None, -float(entry[key] or 0.0),
                                    str(entry["column"])))
    return Drift(points, ranking)


def _counts(found: dict[tuple[str, int], BinCounts], column: ColumnSpec, start: int) -> Any:
    counted = found.get((column.name, start))
    if counted is None or counted.bins.size != column.bin_count:
        return np.zeros(column.bin_count, np.int64)
    return counted.bins


def _missing(found: dict[tuple[str, int], BinCounts], column: ColumnSpec, start: int) -> int:
    counted = found.get((column.name, start))
    return 0 if counted is None else counted.missing


def _metrics(counts: Any, reference: Any, metrics: list[str]) -> dict[str, list[float | None]]:
    measures = {"jsd": jensen_shannon, "psi": stability_index}
    return {metric: measures[metric](counts, reference) for metric in metrics}


def _baseline_statistics(buckets: Buckets, scope: Scope, baseline: BaselineRow,
                         window: Window, columns: list[ColumnSpec]
                         ) -> list[dict[str, ColumnStatistics]]:
    """The baseline's statistics: one set for a static baseline, one per window bucket for a
    rolling one. Unprocessable when it holds no row."""
    definition = baseline.definition
    tx = buckets.tx
    if definition.kind == "static":
        assert definition.dataset_split is not None
        series = series_of(tx, scope.model_id, definition.version_id or scope.version_id,
                           definition.dataset_split)
        start, end = (definition.start, definition.end) if definition.start is not None or \
            definition.end is not None else (None, None)
        totals, rows = summed(buckets, series, *_hours(start, end), columns)
        if rows == 0:
            raise Unprocessable(f"Baseline {baseline.name!r} holds no rows of version"
                                f" '{definition.version_id or scope.version_id}'"
                                f" on '{definition.dataset_split}'{buckets.rows_meant}",
                                {"field": "baseline"})
        return [totals]
    assert definition.window is not None and definition.offset is not None
    width = WIDTHS[definition.window]
    series = series_of(tx, scope.model_id, scope.version_id, scope.split)
    found = []
    for start in window.starts:
        first = start - definition.offset * width
        found.append(summed(buckets, series, first, first + width, columns)[0])
    return found or [{c.name: ColumnStatistics.empty(c) for c in columns}]


def baseline_rows(tx: Tx, model_id: str, version_id: str, definition: BaselineDefinition
                  ) -> int | None:
    """The rows a static baseline holds now (a rolling one holds different rows for each
    window: None)."""
    if definition.kind != "static" or definition.dataset_split is None:
        return None
    series = series_of(tx, model_id, definition.version_id or version_id,
                       definition.dataset_split)
    return summed(StoredBuckets(tx), series, *_hours(definition.start, definition.end), [])[1]


def _hours(start: int | None, end: int | None) -> tuple[int, int]:
    """A range as whole hours; without bounds, every row (row times are from 1970 to a day
    past the service's clock)."""
    hour, week = WIDTHS["hour"], WIDTHS["week"]
    low = bucket_start(0, week) if start is None else start - start % hour
    latest = bucket_start(time.time_ns() // 1000, week) + 2 * week
    high = latest if end is None else end + (-end) % hour
    return low, high


def distribution_of(buckets: Buckets, scope: Scope, start: int | None, end: int | None,
                    baseline: BaselineRow | None, column: ColumnSpec) -> dict[str, Any]:
    """The column's bins, the window's and the baseline's counts and proportions, and the
    window's moments."""
    series = series_of(buckets.tx, scope.model_id, scope.version_id, scope.split)
    totals, rows = summed(buckets, series, *_hours(start, end), [column])
    mine = totals[column.name]
    answer: dict[str, Any] = {"bins": column.bins(), "window": {
        "sample_count": rows, **_shares(mine), "missing_count": mine.missing,
        **mine.moments()}, "baseline": None}
    if baseline is not None and column.binned:
        hour = WIDTHS["hour"]
        window = Window("hour", *_hours(start, end)) if baseline.definition.kind == "static" \
            else Window("hour", 0, hour)
        [reference] = _baseline_statistics(buckets, scope, baseline, window, [column])[:1]
        answer["baseline"] = {"id": baseline.baseline_id, "name": baseline.name,
                              **_shares(reference[column.name])}
    return answer


def _shares(stats: ColumnStatistics) -> dict[str, Any]:
    total = int(stats.bins.sum())
    return {"counts": stats.bins.tolist(),
            "proportions": [c / total for c in stats.bins.tolist()] if total else None}


def integrity_of(buckets: Buckets, scope: Scope, window: Window, columns: list[ColumnSpec]
                 ) -> list[dict[str, Any]]:
    """Per bucket: rows, violating rows, and each column's missing values and violations."""
    series = series_of(buckets.tx, scope.model_id, scope.version_id, scope.split)
    found = buckets.statistics(series, window.bucket, window.start, window.end, columns)
    rows = buckets.traffic(series, window.bucket, window.start, window.end)
    points = []
    for start in window.starts:
        samples, violating = rows.get(start, (0, 0))
        per_column = {}
        for column in columns:
            stats = found.get((column.name, start)) or ColumnStatistics.empty(column)
            per_column[column.name] = {
                name: shown for kind, count in (("missing", stats.missing),
                                                ("type_violation", stats.type_violations),
                                                ("range_violation", stats.range_violations))
                for name, shown in ((f"{kind}_count", count),
                                    (f"{kind}_percentage", _share(count, samples)))}
        points.append({"start": start, "sample_count": samples,
                       "any_violation_count": violating,
                       "any_violation_percentage": _share(violating, samples),
                       "columns": per_column})
    return points


def _share(count: int, rows: int) -> float | None:
    return count / rows if rows else None
