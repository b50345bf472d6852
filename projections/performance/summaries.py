"""Refreshes a series' cached summary and confusion matrix from its rows."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from perfledger.projections.columns import read_columns, read_columns_and_vectors
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Tx, is_transient
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.buckets import refresh_buckets
from perfledger.projections.performance.metrics import (
    Metrics,
    classification_metrics,
    confusion_matrix,
    regression_metrics,
)
from perfledger.projections.performance.windows import SeriesKind, kind_of_model
from perfledger.projections.projection import Tables

log = logging.getLogger("perfledger.projections")
METRIC_TOLERANCE = 1e-9


def refresh_summary(tx: Tx, t: Tables, kind: SeriesKind, series_id: int) -> None:
    evaluated_at = tx.value(
        f"SELECT last_event_at FROM {t.perf_series} WHERE series_id = ?", (series_id,))
    truth = "true_code" if kind.is_classification else "target"
    counts = tx.row(
        f"SELECT COUNT(*), COUNT({truth}) FROM {t.perf_rows} WHERE series_id = ?", (series_id,)
    )
    row_count, labeled = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    tx.execute(f"DELETE FROM {t.perf_summaries} WHERE series_id = ?", (series_id,))
    if labeled and kind.is_classification:
        metrics, matrix = _classification(tx, t, series_id, labeled, kind.n_labels,
                                          kind.positive)
        confusion = {"labels": list(kind.labels), "matrix": matrix}
        _store(
            tx, t, series_id, "classification", metrics, confusion, row_count, labeled, evaluated_at
        )
    elif labeled and kind.task == "regression":
        targets, predictions = read_columns(
            tx,
            f"SELECT target, prediction FROM {t.perf_rows}"
            " WHERE series_id = ? AND target IS NOT NULL",
            (series_id,),
            labeled,
            (np.float64, np.float64),
        )
        _store(
            tx,
            t,
            series_id,
            "regression",
            regression_metrics(targets, predictions),
            None,
            row_count,
            labeled,
            evaluated_at,
        )
    tx.execute(
        f"UPDATE {t.perf_series} SET row_count = ?, labeled_count = ?, dirty = 0,"
        " revision = revision + 1 WHERE series_id = ?",
        (row_count, labeled, series_id),
    )


def refresh_isolated(tx: Tx, t: Tables, series_id: int) -> None:
    """Refreshes one series' summary and touched buckets; if that fails, the others still
    settle, and the series keeps its last numbers until its next change (logged once)."""
    try:
        with tx.savepoint():
            model_id = tx.value(
                f"SELECT model_id FROM {t.perf_series} WHERE series_id = ?", (series_id,))
            kind = kind_of_model(tx, t, str(model_id))
            refresh_summary(tx, t, kind, series_id)
            refresh_buckets(tx, t, kind, series_id)
    except Exception as error:
        if is_transient(error):
            raise
        log.exception("could not refresh the summary of performance series %d", series_id)
        tx.execute(f"UPDATE {t.perf_series} SET dirty = 0 WHERE series_id = ?", (series_id,))


def _classification(
    tx: Tx, t: Tables, series_id: int, labeled: int, width: int, positive: int | None
) -> tuple[Metrics, list[list[int]]]:
    where = f" FROM {t.perf_rows} WHERE series_id = ? AND true_code IS NOT NULL ORDER BY row_id"
    (true_codes, pred_codes, scores), proba = read_columns_and_vectors(
        tx,
        "SELECT true_code, pred_code, score, proba" + where,
        (series_id,),
        labeled,
        (np.int64, np.int64, np.float64),
        width,
    )
    metrics = classification_metrics(
        true_codes, pred_codes, width, positive, scores if positive is not None else None, proba
    )
    return metrics, confusion_matrix(true_codes, pred_codes, width)


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
