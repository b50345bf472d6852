"""Refreshes a series' cached summary and confusion matrix from its rows."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Tx, is_transient
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.buckets import refresh_buckets
from perfledger.projections.performance.metrics import Metrics, confusion_matrix
from perfledger.projections.performance.segments import refresh_tag_segments, tag_names_of
from perfledger.projections.performance.windows import (
    SeriesKind,
    WindowRows,
    kind_of_model,
    metrics_of,
    read_series,
)
from perfledger.projections.projection import Tables

log = logging.getLogger("perfledger.projections")
METRIC_TOLERANCE = 1e-9


def refresh_summary(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                    rows: WindowRows | None = None) -> None:
    """The series' cached summary and confusion matrix, from its rows (read here unless
    the caller read them already)."""
    if rows is None:
        rows = read_series(tx, t, kind, series_id)
    evaluated_at = tx.value(
        f"SELECT last_event_at FROM {t.perf_series} WHERE series_id = ?", (series_id,))
    labeled = ~np.isnan(rows.truth)
    labeled_count = int(np.count_nonzero(labeled))
    tx.execute(f"DELETE FROM {t.perf_summaries} WHERE series_id = ?", (series_id,))
    metrics = metrics_of(kind, rows)
    if metrics is not None:
        confusion = None
        if kind.is_classification:
            matrix = confusion_matrix(rows.truth[labeled].astype(np.int64),
                                      rows.predicted[labeled].astype(np.int64), kind.n_labels)
            confusion = {"labels": list(kind.labels), "matrix": matrix}
        _store(tx, t, series_id, kind.task_type, metrics, confusion, len(rows), labeled_count,
               evaluated_at)
    tx.execute(
        f"UPDATE {t.perf_series} SET row_count = ?, labeled_count = ?, dirty = 0,"
        " revision = revision + 1 WHERE series_id = ?",
        (len(rows), labeled_count, series_id),
    )


def refresh_isolated(tx: Tx, t: Tables, series_id: int) -> None:
    """Refreshes one series' summary and touched buckets from one read of its rows; if that
    fails, the others still settle, and the series keeps its last numbers until its next
    change (the error is logged once)."""
    try:
        with tx.savepoint():
            model_id = tx.value(
                f"SELECT model_id FROM {t.perf_series} WHERE series_id = ?", (series_id,))
            kind = kind_of_model(tx, t, str(model_id))
            tag_names = tag_names_of(tx, t, str(model_id))
            rows = read_series(tx, t, kind, series_id, "tags" if tag_names else None)
            refresh_summary(tx, t, kind, series_id, rows)
            refresh_buckets(tx, t, kind, series_id, rows)
            refresh_tag_segments(tx, t, kind, series_id, rows, tag_names)
    except Exception as error:
        if is_transient(error):
            raise
        log.exception("could not refresh the summary of performance series %d", series_id)
        tx.execute(f"UPDATE {t.perf_series} SET dirty = 0 WHERE series_id = ?", (series_id,))


def _store(
    tx: Tx,
    t: Tables,
    series_id: int,
    task_type: str,
    metrics: Metrics,
    confusion: dict[str, Any] | None,
    row_count: int,
    labeled_count: int,
    evaluated_at: str,
) -> None:
    tx.execute(
        f"INSERT INTO {t.perf_summaries} (series_id, task_type, metrics, confusion, sample_count,"
        " labeled_count, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            series_id,
            task_type,
            dumps(metrics),
            None if confusion is None else dumps(confusion),
            row_count,
            labeled_count,
            evaluated_at,
        ),
    )


# Compared exactly, but for what a rebuild may differ in without drifting: how many times a
# series changed (its revision), and the last bits of metrics summed in another row order.
EXACT_COLUMNS = {
    "perf_series": "series_id, model_id, version_id, dataset_split, row_count, labeled_count,"
                   " dirty, last_event_at",
    "perf_buckets": "series_id, width, start, sample_count, labeled_count, label_delays",
    "perf_segments": "series_id, name, value, sample_count, labeled_count",
}


def compare_performance(tx: Tx, live: Tables, shadow: Tables) -> list[str]:
    """Rows must match exactly; cached metrics within the exactness tolerance."""
    exact = [name for name in live.names if name != "perf_summaries"]
    drift = compare_tables(tx, live, shadow, exact, EXACT_COLUMNS)
    select = "SELECT series_id, metrics, confusion, sample_count, labeled_count FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_summaries),
                              select.format(shadow.perf_summaries), "perf_summaries: series")
    select = "SELECT series_id, width, start, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_buckets),
                              select.format(shadow.perf_buckets), "perf_buckets: bucket", 3)
    select = "SELECT series_id, name, value, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_segments),
                              select.format(shadow.perf_segments), "perf_segments: segment", 3)
    return drift


def _compare_metrics(tx: Tx, live: str, shadow: str, what: str, key: int = 1) -> list[str]:
    """Rows keyed by their first `key` columns; the next holds metrics, compared within the
    tolerance; any others exactly."""
    ours = {tuple(row[:key]): row for row in tx.rows(live)}
    theirs = {tuple(row[:key]): row for row in tx.rows(shadow)}
    drift = []
    for found in sorted(set(ours) | set(theirs)):
        a, b = ours.get(found), theirs.get(found)
        if (a is None or b is None or a[key + 1:] != b[key + 1:]
                or (a[key] is None) != (b[key] is None)
                or (a[key] is not None and not metrics_close(a[key], b[key]))):
            drift.append(f"{what} {found} differs: {a} != {b}")
    return drift


def metrics_close(a: str, b: str) -> bool:
    left, right = loads(a), loads(b)
    if left.keys() != right.keys():
        return False
    for key, value in left.items():
        other = right[key]
        if (value is None) != (other is None):
            return False
        if value is not None and not math.isclose(
            value, other, rel_tol=0, abs_tol=METRIC_TOLERANCE
        ):
            return False
    return True
