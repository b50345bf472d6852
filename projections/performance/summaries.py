"""Settles a series (widening its statistics for a new label or tag name), and checks
kept summaries against their rows."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from perfledger.domain.metrics.measure import metrics_of
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Tx, is_transient
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.live import LiveSummaries, needs_rebuild
from perfledger.projections.performance.segments import (
    MAX_VALUES,
    stored_tag_segments,
    tag_names_of,
    tag_segments,
)
from perfledger.projections.performance.windows import (
    WIDTHS,
    SeriesKind,
    WindowRows,
    bucket_stats,
    kind_of_model,
    read_series,
)
from perfledger.projections.projection import Tables

log = logging.getLogger("perfledger.projections")
METRIC_TOLERANCE = 1e-9


def settle_series(tx: Tx, t: Tables, live: LiveSummaries, series_id: int) -> None:
    """Rebuilds a series from its rows (one read) when its model gained a label or a tag
    name since its statistics were kept, or when a batch spread over many hours left its
    buckets waiting; its summary, buckets and segments are otherwise current batch by batch.
    If that fails, the others still settle, and the series keeps its last numbers until its
    next change (the error is logged once)."""
    try:
        with tx.savepoint():
            model_id = str(tx.value(
                f"SELECT model_id FROM {t.perf_series} WHERE series_id = ?", (series_id,)))
            kind = kind_of_model(tx, t, model_id)
            tag_names = tag_names_of(tx, t, model_id)
            stored = loads(tx.value(
                f"SELECT statistics FROM {t.perf_series} WHERE series_id = ?", (series_id,)))
            if needs_rebuild(stored, kind, tag_names):
                live.recompute(tx, t, kind, series_id, tag_names)
    except Exception as error:
        if is_transient(error):
            raise
        log.exception("could not widen the statistics of performance series %d", series_id)
    tx.execute(f"UPDATE {t.perf_series} SET dirty = 0, revision = revision + 1"
               " WHERE series_id = ?", (series_id,))


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
    drift += kept_against_rows(tx, live)
    select = "SELECT series_id, width, start, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_buckets),
                              select.format(shadow.perf_buckets), "perf_buckets: bucket", 3)
    select = "SELECT series_id, name, value, metrics FROM {}"
    drift += _compare_metrics(tx, select.format(live.perf_segments),
                              select.format(shadow.perf_segments), "perf_segments: segment", 3)
    return drift


def kept_against_rows(tx: Tx, t: Tables) -> list[str]:
    """Each summary, bucket and tag segment kept batch by batch against the same numbers
    computed from the series' rows at once, by the code windows use (`metrics_of`)."""
    drift = []
    for series_id, model_id, kept in tx.rows(
            f"SELECT s.series_id, s.model_id, p.metrics FROM {t.perf_series} s"
            f" LEFT JOIN {t.perf_summaries} p ON p.series_id = s.series_id"
            " ORDER BY s.series_id"):
        kind = kind_of_model(tx, t, str(model_id))
        tag_names = tag_names_of(tx, t, str(model_id))
        rows = read_series(tx, t, kind, int(series_id), "tags" if tag_names else None)
        computed = metrics_of(kind, rows)
        if not _same_metrics(kept, computed):
            drift.append(f"perf_summaries: series {series_id} kept {kept}, its rows give"
                         f" {computed}")
        for width, size in WIDTHS.items():
            stored = {int(start): (samples, labeled, metrics, delays)
                      for start, samples, labeled, metrics, delays in tx.rows(
                          f"SELECT start, sample_count, labeled_count, metrics, label_delays"
                          f" FROM {t.perf_buckets} WHERE series_id = ? AND width = ?",
                          (series_id, width))}
            expected = {b.start: b for b in bucket_stats(kind, rows, size)}
            for start in sorted(set(stored) | set(expected)):
                found, bucket = stored.get(start), expected.get(start)
                if (found is None or bucket is None
                        or (found[0], found[1]) != (bucket.sample_count, bucket.labeled_count)
                        or not _same_metrics(found[2], bucket.metrics)
                        or not _same_metrics(found[3], bucket.label_delays)):
                    drift.append(f"perf_buckets: series {series_id} {width} {start} kept"
                                 f" {found}, its rows give {bucket}")
        drift += _segments_against_rows(tx, t, kind, int(series_id), rows, tag_names)
    return drift


def _segments_against_rows(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                           rows: WindowRows, tag_names: list[str]) -> list[str]:
    drift = []
    for name in tag_names:
        stored = {segment.value: segment for segment in stored_tag_segments(tx, series_id, name)}
        expected = {segment.value: segment for segment in tag_segments(kind, rows, name)}
        if _value_count(rows, name) > MAX_VALUES:  # none kept: queries read the rows
            expected = {}
        for value in set(stored) | set(expected):
            found, segment = stored.get(value), expected.get(value)
            if (found is None or segment is None
                    or (found.sample_count, found.labeled_count)
                    != (segment.sample_count, segment.labeled_count)
                    or not _same_metrics(dumps(found.metrics), segment.metrics)):
                drift.append(f"perf_segments: series {series_id} {name}={value} kept {found},"
                             f" its rows give {segment}")
    return drift


def _value_count(rows: WindowRows, name: str) -> int:
    assert rows.texts is not None, "read the rows with their tags"
    return len({None if text is None else loads(text).get(name) for text in rows.texts})


def _same_metrics(kept: str | None, computed: Mapping[str, float | None] | None) -> bool:
    if kept is None or computed is None:
        return kept is None and computed is None
    return metrics_close(kept, dumps(computed))


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
