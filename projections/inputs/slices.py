"""The buckets of a slice of a model's rows (those carrying some tags), measured from the
rows when a question asks for them: a tag filter is not known when rows are recorded, so its
buckets are not kept. The reads of a question are bounded together by MAX_WINDOW_ROWS."""

from __future__ import annotations

from collections.abc import Sequence

from perfledger.domain.errors import Unprocessable
from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.metrics.columns import BinCounts, ColumnStatistics
from perfledger.projections.database import Tx
from perfledger.projections.inputs.buckets import Change
from perfledger.projections.inputs.values import STORED_COLUMNS, KeptRows, carrying, rows_from
from perfledger.projections.performance.windows import MAX_WINDOW_ROWS


class TaggedBuckets:
    """The buckets of the rows carrying every one of `tags` (each range's rows read once);
    a row violates if any of the model's `columns` says so, as in the stored buckets."""

    def __init__(self, tx: Tx, tags: dict[str, str], columns: Sequence[ColumnSpec]) -> None:
        self.tx = tx
        self.tags = tags
        self.columns = list(columns)
        self.rows_meant = " carrying " + ", ".join(
            f"tag.{name}={value}" for name, value in sorted(tags.items()))
        self._read = 0
        self._rows: dict[tuple[int, int, int], KeptRows] = {}

    def statistics(self, series_id: int | None, width: str, start: int, end: int,
                   columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], ColumnStatistics]:
        change = self._measured(series_id, width, start, end, columns)
        return {(name, at): stats for (name, (_, at)), stats in change.stats.items()}

    def counts(self, series_id: int | None, width: str, start: int, end: int,
               columns: Sequence[ColumnSpec]) -> dict[tuple[str, int], BinCounts]:
        return {key: BinCounts.of(stats) for key, stats in self.statistics(
            series_id, width, start, end, columns).items()}

    def traffic(self, series_id: int | None, width: str, start: int, end: int
                ) -> dict[int, tuple[int, int]]:
        change = self._measured(series_id, width, start, end, self.columns)
        return {at: (rows, bad) for (_, at), (rows, bad) in change.traffic.items()}

    def _measured(self, series_id: int | None, width: str, start: int, end: int,
                  columns: Sequence[ColumnSpec]) -> Change:
        change = Change(columns, [width])
        if series_id is not None:
            change.add(self._carrying(series_id, start, end), 1)
        return change

    def _carrying(self, series_id: int, start: int, end: int) -> KeptRows:
        """The rows of [start, end) carrying the tags, read once."""
        key = (series_id, start, end)
        if key not in self._rows:
            left = MAX_WINDOW_ROWS - self._read
            found = self.tx.rows(
                f"SELECT {', '.join(STORED_COLUMNS[1:])} FROM input_rows WHERE series_id = ?"
                " AND ts >= ? AND ts < ? LIMIT ?", (series_id, start, end, left + 1))
            if len(found) > left:
                raise Unprocessable(
                    f"A question with tag filters measures the rows it covers, at most"
                    f" {MAX_WINDOW_ROWS} of them: ask about a shorter range (start, end) or a"
                    " baseline with fewer rows", {"field": "tag.", "limit": MAX_WINDOW_ROWS})
            self._read += len(found)
            self._rows[key] = carrying(rows_from(found), self.tags)
        return self._rows[key]
