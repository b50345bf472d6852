"""Stored buckets: each hour, day and week of a series' row time with its exact metrics,
refreshed at settle for the hours whose rows changed (new rows, late labels, corrections)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from perfledger.projections.database import Tx
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.windows import (
    HOUR,
    WEEK,
    WIDTHS,
    BucketStats,
    SeriesKind,
    WindowRows,
    bucket_start,
    bucket_starts,
    bucket_stats,
)
from perfledger.projections.projection import Tables


def touch_hours(tx: Tx, t: Tables, series_id: int, timestamps: Iterable[int]) -> None:
    """Marks the hours of these row times for the next refresh of the series' buckets."""
    hours = {bucket_start(int(ts), HOUR) for ts in timestamps}
    tx.executemany(
        f"INSERT INTO {t.perf_touched_hours} (series_id, hour) VALUES (?, ?)"
        " ON CONFLICT (series_id, hour) DO NOTHING",
        [(series_id, hour) for hour in sorted(hours)],
    )


def refresh_buckets(tx: Tx, t: Tables, kind: SeriesKind, series_id: int,
                    rows: WindowRows) -> None:
    """Recomputes, from the series' rows, the touched hours (and those corrected rows moved
    from) and the days and weeks holding them: a late label or a corrected prediction
    restates exactly the buckets of the rows it changes."""
    moved = [int(ts) for (ts,) in tx.rows(
        f"SELECT moved_from FROM {t.perf_rows} WHERE series_id = ? AND moved_from IS NOT NULL",
        (series_id,))]
    if moved:  # corrected rows left these times: their buckets change too
        touch_hours(tx, t, series_id, moved)
        tx.execute(f"UPDATE {t.perf_rows} SET moved_from = NULL"
                   " WHERE series_id = ? AND moved_from IS NOT NULL", (series_id,))
    hours = [int(hour) for (hour,) in tx.rows(
        f"SELECT hour FROM {t.perf_touched_hours} WHERE series_id = ?", (series_id,))]
    if not hours:
        return
    tx.execute(f"DELETE FROM {t.perf_touched_hours} WHERE series_id = ?", (series_id,))
    weeks = np.array(sorted({bucket_start(hour, WEEK) for hour in hours}), dtype=np.int64)
    touched = rows.take(np.isin(bucket_starts(rows.ts, WEEK), weeks))
    for name, width in WIDTHS.items():
        starts = {bucket_start(hour, width) for hour in hours}
        _store(tx, t, series_id, name, bucket_stats(kind, touched, width, starts))


def _store(tx: Tx, t: Tables, series_id: int, width: str, buckets: list[BucketStats]) -> None:
    tx.executemany(
        f"DELETE FROM {t.perf_buckets} WHERE series_id = ? AND width = ? AND start = ?",
        [(series_id, width, bucket.start) for bucket in buckets],
    )
    tx.executemany(
        f"INSERT INTO {t.perf_buckets} (series_id, width, start, sample_count, labeled_count,"
        " metrics, label_delays) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (series_id, width, b.start, b.sample_count, b.labeled_count,
             None if b.metrics is None else dumps(b.metrics),
             None if b.label_delays is None else dumps(b.label_delays))
            for b in buckets
            if b.sample_count
        ],
    )


def stored_buckets(tx: Tx, series_id: int, width: str, start: int, end: int
                   ) -> list[BucketStats]:
    """The series' stored buckets of `width` starting in [start, end), in time order."""
    found: list[Any] = tx.rows(
        "SELECT start, sample_count, labeled_count, metrics, label_delays FROM perf_buckets"
        " WHERE series_id = ? AND width = ? AND start >= ? AND start < ? ORDER BY start",
        (series_id, width, start, end),
    )
    return [
        BucketStats(int(s), int(samples), int(labeled), loads(metrics), loads(delays))
        for s, samples, labeled, metrics, delays in found
    ]
