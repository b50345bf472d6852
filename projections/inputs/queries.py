"""Reads of the inputs projection: columns, baselines, and the statistics of any window as a
sum of stored buckets (no row is read again)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from perfledger.domain.errors import NotFound, Unprocessable
from perfledger.domain.inputs.baselines import BaselineDefinition
from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics.columns import BinCounts, ColumnStatistics
from perfledger.projections.database import Tx
from perfledger.projections.inputs.projection import TABLES, columns_in
from perfledger.projections.json import loads
from perfledger.projections.performance.windows import WIDTHS, bucket_start
from perfledger.projections.projection import Views

VIEWS = Views(TABLES)
# Widths a range is covered with, coarsest first: weeks, then days, then hours.
_COVERING = ("week", "day", "hour")


@dataclass(frozen=True)
class BaselineRow:
    baseline_id: str
    model_id: str
    name: str
    definition: BaselineDefinition
    is_default: bool
    created_at: str
    position: int


def model_columns_of(tx: Tx, model_id: str) -> list[ColumnSpec]:
    found = columns_in(tx, VIEWS, model_id)
    if found is None:
        raise NotFound(f"Model '{model_id}' not found")
    return found


def baselines_of(tx: Tx, model_id: str) -> list[BaselineRow]:
    return [_baseline(row) for row in tx.rows(
        "SELECT baseline_id, model_id, name, definition, is_default, created_at, position"
        " FROM input_baselines WHERE model_id = ? ORDER BY position", (model_id,))]


def find_baseline(tx: Tx, model_id: str, asked: str | None) -> BaselineRow:
    """A baseline by id or name; None: the model's default. Unprocessable naming the
    baselines there are when none matches."""
    found = baselines_of(tx, model_id)
    if asked is None:
        chosen = [b for b in found if b.is_default]
        if not chosen:
            raise Unprocessable(f"Model '{model_id}' has no baseline: create one (POST"
                                f" /api/v1/models/{model_id}/baselines) or name it in"
                                " 'baseline'", {"field": "baseline"})
        return chosen[0]
    for baseline in found:
        if asked in (baseline.baseline_id, baseline.name):
            return baseline
    names = ", ".join(b.name for b in found[:50]) or "none"
    raise Unprocessable(f"Model '{model_id}' has no baseline {asked[:200]!r}; its baselines:"
                        f" {names}", {"field": "baseline"})


def _baseline(row: Sequence[Any]) -> BaselineRow:
    baseline_id, model_id, name, definition, is_default, created_at, position = row
    return BaselineRow(str(baseline_id), str(model_id), str(name),
                       BaselineDefinition.from_json(loads(definition)), bool(is_default),
                       str(created_at), int(position))


def series_of(tx: Tx, model_id: str, version_id: str, split: str) -> int | None:
    found = tx.value("SELECT series_id FROM input_series WHERE model_id = ? AND version_id = ?"
                     " AND dataset_split = ?", (model_id, version_id, split))
    return None if found is None else int(found)


def bucket_statistics(tx: Tx, series_id: int | None, width: str, start: int, end: int,
                      columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], ColumnStatistics]:
    """The stored buckets of `width` starting in [start, end), by (column, start)."""
    return {key: ColumnStatistics.from_json(loads(text)) for key, text in _stored(
        tx, "statistics", series_id, width, start, end, columns).items()}


def bucket_counts(tx: Tx, series_id: int | None, width: str, start: int, end: int,
                  columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], BinCounts]:
    """The bin counts and missing values alone of the stored buckets of `width` starting in
    [start, end), by (column, start): what drift needs, without the moments."""
    return {key: BinCounts.from_json(loads(text)) for key, text in _stored(
        tx, "counts", series_id, width, start, end, columns).items()}


def _stored(tx: Tx, field: str, series_id: int | None, width: str, start: int, end: int,
            columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], str]:
    """One JSON field ("statistics" or "counts") of the stored buckets asked for."""
    if series_id is None or not columns:
        return {}
    return {(str(name), int(at)): str(text) for name, at, text in tx.rows_in(
        f"SELECT name, start, {field} FROM input_buckets WHERE series_id = ?"
        " AND width = ? AND start >= ? AND start < ?", (series_id, width, start, end),
        "name", [column.name for column in columns])}


def traffic(tx: Tx, series_id: int | None, width: str, start: int, end: int
            ) -> dict[int, tuple[int, int]]:
    """Rows and violating rows of each stored bucket of `width` starting in [start, end)."""
    if series_id is None:
        return {}
    return {int(at): (int(rows), int(bad)) for at, rows, bad in tx.rows(
        "SELECT start, row_count, violating_count FROM input_traffic WHERE series_id = ?"
        " AND width = ? AND start >= ? AND start < ?", (series_id, width, start, end))}


def cover(start: int, end: int) -> list[tuple[str, int, int]]:
    """[start, end) (hour-aligned) as the fewest whole buckets: (width, first start, end) of
    each run of buckets of one width: hours up to the first whole day, days up to the first
    whole week, weeks, then days and hours again at the end."""
    runs = []
    at = start
    while at < end:
        width = next(w for w in _COVERING
                     if bucket_start(at, WIDTHS[w]) == at and at + WIDTHS[w] <= end)
        size = WIDTHS[width]
        stop = at + (end - at) // size * size  # as many as fit
        for coarser in _COVERING[:_COVERING.index(width)]:
            boundary = bucket_start(at, WIDTHS[coarser]) + WIDTHS[coarser]
            if boundary + WIDTHS[coarser] <= end:  # a whole coarser bucket fits from there
                stop = min(stop, boundary)
        runs.append((width, at, stop))
        at = stop
    return runs


class Buckets(Protocol):
    """Where a question's buckets come from: those stored for every row, or those of a
    slice of the rows, measured when asked (`projections.inputs.slices`)."""

    @property
    def tx(self) -> Tx:
        """The transaction the question reads in."""

    @property
    def rows_meant(self) -> str:
        """Which rows, in words: "" for every row."""

    def statistics(self, series_id: int | None, width: str, start: int, end: int,
                   columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], ColumnStatistics]:
        """The buckets of `width` starting in [start, end), by (column, start)."""

    def counts(self, series_id: int | None, width: str, start: int, end: int,
               columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], BinCounts]:
        """The bin counts and missing values alone of those buckets."""

    def traffic(self, series_id: int | None, width: str, start: int, end: int
                ) -> dict[int, tuple[int, int]]:
        """Rows and violating rows of each bucket of `width` starting in [start, end)."""


@dataclass(frozen=True)
class StoredBuckets:
    """The buckets the projection keeps for every row."""

    tx: Tx
    rows_meant: str = ""

    def statistics(self, series_id: int | None, width: str, start: int, end: int,
                   columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], ColumnStatistics]:
        return bucket_statistics(self.tx, series_id, width, start, end, columns)

    def counts(self, series_id: int | None, width: str, start: int, end: int,
               columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], BinCounts]:
        return bucket_counts(self.tx, series_id, width, start, end, columns)

    def traffic(self, series_id: int | None, width: str, start: int, end: int
                ) -> dict[int, tuple[int, int]]:
        return traffic(self.tx, series_id, width, start, end)


def summed(buckets: Buckets, series_id: int | None, start: int, end: int,
           columns: Sequence[ColumnSpec]) -> tuple[dict[str, ColumnStatistics], int]:
    """Each column's statistics over [start, end) (hour-aligned), and its row count, from
    the fewest buckets covering it."""
    totals = {column.name: ColumnStatistics.empty(column) for column in columns}
    rows = 0
    for width, first, last in cover(start, end):
        for (name, _), stats in buckets.statistics(series_id, width, first, last,
                                                   columns).items():
            if stats.bins.size == totals[name].bins.size:
                totals[name].add(stats)
        rows += sum(count for count, _ in buckets.traffic(series_id, width, first,
                                                          last).values())
    return totals, rows


def binned(columns: Iterable[ColumnSpec]) -> list[ColumnSpec]:
    return [column for column in columns if column.binned]
