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

    def __init__(self, columns: Sequence[ColumnSpec], widths: Sequence[str] = tuple(WIDTHS)
                 ) -> None:
        self.columns = list(columns)
        self.widths = list(widths)
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
        for width in self.widths:
            starts, groups = np.unique(bucket_starts(ts, WIDTHS[width]), return_inverse=True)
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
                    slot = (column.name, key)
                    held = self.stats.get(slot)
                    if held is None and sign > 0:
                        self.stats[slot] = part
                    else:
                        if held is None:
                            held = self.stats[slot] = ColumnStatistics.empty(column)
                        held.add(part, sign)

    def write(self, tx: Tx, t: Tables, series_id: int) -> None:
        """Merges the change into the stored buckets, hours first (a day's extremes are
        read again from its hours, a week's from its days)."""
        by_width: dict[str, list[int]] = defaultdict(list)
        for width, start in self.traffic:
            by_width[width].append(start)
        for width in WIDTHS:
            if by_width[width]:
                self._write_width(tx, t, series_id, width, sorted(set(by_width[width])))

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
        merged_ones: dict[tuple[str, int], ColumnStatistics] = {}
        for (name, (kind, start)), change in self.stats.items():
            if kind != width:
                continue
            merged = stored.get((name, start)) or ColumnStatistics.empty(by_name[name])
            if merged.bins.size != change.bins.size:  # bins changed: the rebuild counts anew
                merged = ColumnStatistics.empty(by_name[name])
            merged.add(change)
            if merged.count == 0:
                merged.lows = merged.highs = ()
                merged.extremes_stale = False
            merged_ones[(name, start)] = merged
        _read_extremes(tx, t, series_id, width, {
            key: (by_name[key[0]], merged) for key, merged in merged_ones.items()
            if merged.extremes_stale})
        written = [(series_id, name, width, start, dumps(merged.counts_json()),
                    dumps(merged.to_json())) for (name, start), merged in merged_ones.items()]
        tx.upsert(t.input_buckets, ("series_id", "name", "width", "start", "counts",
                                    "statistics"),
                  written, "ON CONFLICT (series_id, name, width, start) DO UPDATE SET"
                  " counts = excluded.counts, statistics = excluded.statistics",
                  existing=bool(stored))
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


# The buckets a bucket of a width is made of.
_FINER = {"day": "hour", "week": "day"}


def _read_extremes(tx: Tx, t: Tables, series_id: int, width: str,
                   stale: dict[tuple[str, int], tuple[ColumnSpec, ColumnStatistics]]) -> None:
    """Buckets' minimum and maximum again (a value that left may have been the last equal
    to one: it cannot be taken back): an hour's from its rows, read once for its stale
    columns; a day's and a week's from the finer buckets they are made of, written first."""
    by_start: dict[int, list[tuple[ColumnSpec, ColumnStatistics]]] = defaultdict(list)
    for (_, start), held in stale.items():
        by_start[start].append(held)
    for start, helds in by_start.items():
        end = start + WIDTHS[width]
        if width in _FINER:
            _extremes_from_finer(tx, t, series_id, _FINER[width], start, end, helds)
            continue
        found = rows_from(tx.rows(
            f"SELECT {', '.join(STORED_COLUMNS[1:])} FROM {t.input_rows}"
            " WHERE series_id = ? AND ts >= ? AND ts < ?", (series_id, start, end)))
        values = found.values([column for column, _ in helds])
        for column, into in helds:
            _take_extremes(into, statistics_of(column, measure(column, values[column.name])[0]))


def _extremes_from_finer(tx: Tx, t: Tables, series_id: int, finer: str, start: int, end: int,
                         helds: list[tuple[ColumnSpec, ColumnStatistics]]) -> None:
    wanted = {column.name: (column, into) for column, into in helds}
    fresh = {name: ColumnStatistics.empty(column) for name, (column, _) in wanted.items()}
    for name, text in tx.rows_in(
            f"SELECT name, statistics FROM {t.input_buckets} WHERE series_id = ?"
            " AND width = ? AND start >= ? AND start < ?", (series_id, finer, start, end),
            "name", list(wanted)):
        part = ColumnStatistics.from_json(loads(text))
        if part.bins.size == fresh[str(name)].bins.size:
            fresh[str(name)].add(part)
    for name, (_, into) in wanted.items():
        _take_extremes(into, fresh[name])


def _take_extremes(into: ColumnStatistics, fresh: ColumnStatistics) -> None:
    into.lows, into.highs, into.extremes_stale = fresh.lows, fresh.highs, False
