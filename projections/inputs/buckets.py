"""Each (series, column, hour | day | week) bucket's column statistics, and each bucket's row
and violating-row counts, moved batch by batch: what came in is added, what it replaced is
taken back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics.columns import (
    ColumnStatistics,
    measure,
    statistics_by_group,
    statistics_of,
)
from perfledger.projections.database import Tx
from perfledger.projections.inputs.values import STORED_COLUMNS, KeptRows, rows_from
from perfledger.projections.json import dumps, loads
from perfledger.projections.performance.windows import WIDTHS, bucket_starts
from perfledger.projections.projection import Tables

BucketKey = tuple[str, int]  # (width, start)


class Change:
    """What a batch does to its series' buckets, gathered before one write per bucket."""

    def __init__(self, columns: Sequence[ColumnSpec]) -> None:
        self.columns = list(columns)
        self.stats: dict[tuple[str, BucketKey], ColumnStatistics] = {}
        self.traffic: dict[BucketKey, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, rows: KeptRows, sign: int) -> None:
        """Adds the rows' contribution (sign 1), or takes it back (sign -1)."""
        if not len(rows):
            return
        ts = np.array(rows.ts, dtype=np.int64)
        values = rows.values(self.columns)
        violating = np.zeros(ts.size, bool)
        measured = {}
        for column in self.columns:
            found, breaks = measure(column, values[column.name])
            measured[column.name] = found
            violating |= breaks
        for width, size in WIDTHS.items():
            starts, groups = np.unique(bucket_starts(ts, size), return_inverse=True)
            groups = groups.astype(np.int64)
            keys = [(width, int(start)) for start in starts.tolist()]
            counts = np.bincount(groups, minlength=len(keys)).tolist()
            bad = np.bincount(groups, weights=violating, minlength=len(keys)).astype(
                np.int64).tolist()
            for key, count, violations in zip(keys, counts, bad, strict=True):
                self.traffic[key][0] += sign * count
                self.traffic[key][1] += sign * violations
            for column in self.columns:
                parts = statistics_by_group(column, measured[column.name], groups, len(keys))
                for key, part in zip(keys, parts, strict=True):
                    held = self.stats.setdefault((column.name, key),
                                                 ColumnStatistics.empty(column))
                    held.add(part, sign)

    def write(self, tx: Tx, t: Tables, series_id: int) -> None:
        """Merges the change into the stored buckets."""
        by_width: dict[str, list[int]] = defaultdict(list)
        for width, start in self.traffic:
            by_width[width].append(start)
        for width, starts in by_width.items():
            self._write_width(tx, t, series_id, width, sorted(set(starts)))

    def _write_width(self, tx: Tx, t: Tables, series_id: int, width: str,
                     starts: list[int]) -> None:
        stored = {(str(name), int(start)): ColumnStatistics.from_json(loads(text))
                  for name, start, text in tx.rows_in(
                      f"SELECT name, start, statistics FROM {t.input_buckets}"
                      " WHERE series_id = ? AND width = ?", (series_id, width), "start", starts)}
        traffic = {int(start): (int(rows), int(bad)) for start, rows, bad in tx.rows_in(
            f"SELECT start, row_count, violating_count FROM {t.input_traffic}"
            " WHERE series_id = ? AND width = ?", (series_id, width), "start", starts)}
        by_name = {column.name: column for column in self.columns}
        written = []
        for (name, (kind, start)), change in self.stats.items():
            if kind != width:
                continue
            merged = stored.get((name, start)) or ColumnStatistics.empty(by_name[name])
            if merged.bins.size != change.bins.size:  # bins changed: the rebuild counts anew
                merged = ColumnStatistics.empty(by_name[name])
            merged.add(change)
            if merged.count == 0:
                merged.low = merged.high = None
                merged.extremes_stale = False
            elif merged.extremes_stale:
                _read_extremes(tx, t, series_id, by_name[name], width, start, merged)
            written.append((series_id, name, width, start, dumps(merged.to_json())))
        tx.upsert(t.input_buckets, ("series_id", "name", "width", "start", "statistics"),
                  written, "ON CONFLICT (series_id, name, width, start) DO UPDATE SET"
                  " statistics = excluded.statistics", existing=bool(stored))
        counts = []
        for (kind, start), (rows, bad) in self.traffic.items():
            if kind == width:
                before = traffic.get(start, (0, 0))
                counts.append((series_id, width, start, before[0] + rows, before[1] + bad))
        tx.upsert(t.input_traffic, ("series_id", "width", "start", "row_count",
                                    "violating_count"), counts,
                  "ON CONFLICT (series_id, width, start) DO UPDATE SET"
                  " row_count = excluded.row_count, violating_count = excluded.violating_count",
                  existing=bool(traffic))


def _read_extremes(tx: Tx, t: Tables, series_id: int, column: ColumnSpec, width: str,
                   start: int, into: ColumnStatistics) -> None:
    """A bucket's minimum and maximum again from its rows (a row left it: they cannot be
    taken back)."""
    found = rows_from(tx.rows(
        f"SELECT {', '.join(STORED_COLUMNS[1:])} FROM {t.input_rows}"
        " WHERE series_id = ? AND ts >= ? AND ts < ?", (series_id, start, start + WIDTHS[width])))
    fresh = statistics_of(column, measure(column, found.values([column])[column.name])[0])
    into.low, into.high, into.extremes_stale = fresh.low, fresh.high, False
