"""Settles a series: its buckets and segments from its rows; and checks summaries."""

from __future__ import annotations

import logging
import math

from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Tx, is_transient
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.buckets import refresh_buckets
from perfledger.projections.performance.live import LiveSummaries
from perfledger.projections.performance.segments import refresh_tag_segments, tag_names_of
from perfledger.projections.performance.windows import kind_of_model, metrics_of, read_series
from perfledger.projections.projection import Tables

log = logging.getLogger("perfledger.projections")
METRIC_TOLERANCE = 1e-9


def refresh_isolated(tx: Tx, t: Tables, live: LiveSummaries, series_id: int) -> None:
    """Refreshes one series' touched buckets and its segments from one read of its rows (its
    summary is kept current batch by batch; a model's new label widens it here); if that
    fails, the others still settle, and the series keeps its last numbers until its next
    change (the error is logged once)."""
    try:
        with tx.savepoint():
            model_id = tx.value(
                f"SELECT model_id FROM {t.perf_series} WHERE series_id = ?", (series_id,))
            kind = kind_of_model(tx, t, str(model_id))
            if labels_of_statistics(tx, t, series_id) not in (None, kind.n_labels):
                live.recompute(tx, t, kind, series_id)
            tag_names = tag_names_of(tx, t, str(model_id))
            rows = read_series(tx, t, kind, series_id, "tags" if tag_names else None)
            refresh_buckets(tx, t, kind, series_id, rows)
            refresh_tag_segments(tx, t, kind, series_id, rows, tag_names)
    except Exception as error:
        if is_transient(error):
            raise
        log.exception("could not refresh the buckets of performance series %d", series_id)
    tx.execute(f"UPDATE {t.perf_series} SET dirty = 0, revision = revision + 1"
               " WHERE series_id = ?", (series_id,))


def labels_of_statistics(tx: Tx, t: Tables, series_id: int) -> int | None:
    """How many labels the series' statistics count (None before its first rows)."""
    stored = loads(tx.value(f"SELECT statistics FROM {t.perf_series} WHERE series_id = ?",
                            (series_id,)))
    return None if stored is None else int(stored["statistics"]["n_labels"])


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
    drift += summaries_against_rows(tx, live)
    select = "SELECT series_id, width, start, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_buckets),
                              select.format(shadow.perf_buckets), "perf_buckets: bucket", 3)
    select = "SELECT series_id, name, value, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_segments),
                              select.format(shadow.perf_segments), "perf_segments: segment", 3)
    return drift


def summaries_against_rows(tx: Tx, t: Tables) -> list[str]:
    """Each summary kept batch by batch against its series' metrics computed from every row
    at once (the way `metrics_of` computes windows)."""
    drift = []
    for series_id, model_id, kept in tx.rows(
            f"SELECT s.series_id, s.model_id, p.metrics FROM {t.perf_series} s"
            f" LEFT JOIN {t.perf_summaries} p ON p.series_id = s.series_id"
            " ORDER BY s.series_id"):
        kind = kind_of_model(tx, t, str(model_id))
        computed = metrics_of(kind, read_series(tx, t, kind, int(series_id)))
        if ((kept is None) != (computed is None)
                or (computed is not None and not metrics_close(kept, dumps(computed)))):
            drift.append(f"perf_summaries: series {series_id} kept {kept}, its rows give"
                         f" {computed}")
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
