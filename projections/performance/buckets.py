"""Stored buckets: each hour, day and week of a series' row time with its exact metrics,
kept batch by batch (see `live`) as rows arrive, labels land and predictions are corrected."""

from __future__ import annotations

from typing import Any

from perfledger.projections.database import Tx
from perfledger.projections.json import loads
from perfledger.projections.performance.windows import (
    BucketStats,
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
