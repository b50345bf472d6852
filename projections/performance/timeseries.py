"""Performance over time: every bucket of a window, from the stored buckets, or from the rows
when the question names tags."""

from __future__ import annotations

from dataclasses import dataclass

from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import FIRST_MICROS, LAST_MICROS
from perfledger.projections.database import Tx
from perfledger.projections.performance.buckets import stored_buckets
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.performance.schema import VIEWS
from perfledger.projections.performance.windows import (
    WIDTHS,
    BucketStats,
    SeriesKind,
    bucket_start,
    bucket_stats,
    check_order,
    kind_of_model,
    read_window,
    with_tags,
)

MAX_BUCKETS = 1_000
DEFAULT_BUCKETS = 30


@dataclass(frozen=True)
class Window:
    """Whole buckets of one width covering [start, end), in microseconds of row time."""

    bucket: str
    start: int
    end: int

    @property
    def width(self) -> int:
        return WIDTHS[self.bucket]

    @property
    def starts(self) -> range:
        return range(self.start, self.end, self.width)


def plan_window(bucket: str, start: int | None, end: int | None, now: int) -> Window:
    """Aligns [start, end) outwards to whole buckets. Without `end`, the window ends with the
    bucket holding `now` (DEFAULT_BUCKETS after a `start` later than that); without `start`,
    it holds DEFAULT_BUCKETS buckets."""
    check_order(start, end)
    width = WIDTHS[bucket]
    if end is None:
        end = _end_of_bucket_holding(now, width)
        if start is not None and start >= end:
            end = bucket_start(start, width) + DEFAULT_BUCKETS * width
    aligned_end = bucket_start(end - 1, width) + width
    aligned_start = (aligned_end - DEFAULT_BUCKETS * width if start is None
                     else bucket_start(start, width))
    check_order(aligned_start, aligned_end)
    _check_nameable(bucket, aligned_start, aligned_end, start is not None)
    count = (aligned_end - aligned_start) // width
    if count > MAX_BUCKETS:
        raise InvalidInput(
            f"The window holds {count} {bucket} buckets; at most {MAX_BUCKETS} are answered."
            " Narrow 'start' and 'end', or use a wider 'bucket'",
            {"field": "bucket", "buckets": count, "limit": MAX_BUCKETS},
        )
    return Window(bucket, aligned_start, aligned_end)


def _check_nameable(bucket: str, start: int, end: int, start_was_given: bool) -> None:
    """Every bucket's bounds fall within the years 1 to 9999, where timestamps can name them
    (the window grows outwards to whole buckets, and by DEFAULT_BUCKETS without a `start`)."""
    if start < FIRST_MICROS:
        field, fix = ("start", "a later 'start'") if start_was_given else (
            "end", "a 'start', or a later 'end'")
        raise InvalidInput(
            f"The window's first {bucket} bucket would begin before 0001-01-01; give {fix}",
            {"field": field})
    if end > LAST_MICROS:
        raise InvalidInput(
            f"The window's last {bucket} bucket would end after 9999-12-31; give an earlier"
            " 'end'", {"field": "end"})


def window_moves_at(bucket: str, end: int | None, now: int) -> int | None:
    """When `plan_window`'s window for these arguments may next change: without `end`, at the
    end of the bucket holding `now` (until then it plans the same window); with one, never."""
    return None if end is not None else _end_of_bucket_holding(now, WIDTHS[bucket])


def _end_of_bucket_holding(moment: int, width: int) -> int:
    return bucket_start(moment, width) + width


def timeseries_of(tx: Tx, model_id: str, version_id: str, split: str, window: Window,
                  tags: dict[str, str]) -> tuple[SeriesKind, list[BucketStats]]:
    kind = kind_of_model(tx, VIEWS, model_id)
    series_id = series_id_of(tx, model_id, version_id, split)
    return kind, timeseries_in(tx, kind, series_id, window, tags)


def timeseries_in(tx: Tx, kind: SeriesKind, series_id: int | None, window: Window,
                  tags: dict[str, str]) -> list[BucketStats]:
    """One entry per bucket of the window, empty buckets included, in time order."""
    found: dict[int, BucketStats] = {}
    if series_id is not None and not tags:
        found = {b.start: b for b in stored_buckets(tx, series_id, window.bucket, window.start,
                                                    window.end)}
    elif series_id is not None:
        rows = read_window(tx, VIEWS, kind, series_id, window.start, window.end, "tags")
        found = {b.start: b for b in bucket_stats(kind, with_tags(rows, tags), window.width)}
    return [found.get(start) or BucketStats(start, 0, 0, None, None) for start in window.starts]
