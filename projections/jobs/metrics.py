"""Job metrics: counts from hourly buckets when unfiltered, aggregated in SQL when filtered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.timestamps import from_micros
from projections.database import Database, Tx
from projections.jobs.filters import Filter, Sql, compile_filters
from projections.jobs.queries import JobRow, format_instant
from projections.jobs.schema import HOUR_MICROS
from projections.jobs.scores import Cell, decision_scores

TOP_CHANGED = 10
KB_JOIN = ("LEFT JOIN job_kb k ON k.job_key = e.job_key AND k.model_id = ?"
           " AND k.event_id = e.event_id")


@dataclass(frozen=True)
class TimeRange:
    """`[start, end)` in microseconds since the epoch; None leaves that side open."""

    start: int | None = None
    end: int | None = None


def job_metrics(db: Database, job: JobRow, window: TimeRange, filters: Sequence[Filter]
                ) -> dict[str, Any]:
    where = compile_filters(filters, db.dialect, job.decisions)
    with db.read() as tx:
        scope = _scope(job, window, where)
        if filters:
            cells, in_kb, first, last = _filtered_counts(tx, job, scope)
        else:
            cells = _bucket_counts(tx, job.job_key, window)
            in_kb = _knowledge_base_count(tx, job, scope)
            first, last = _bounds(tx, scope)
        changed = _changed_consensus(tx, job, scope)
    scores = decision_scores(job.decisions, cells)
    start = window.start if window.start is not None else first
    end = window.end if window.end is not None else last
    return {
        **{k: v for k, v in scores.items() if k not in ("correct", "with_consensus")},
        "start_time": None if start is None else format_instant(from_micros(start)),
        "end_time": None if end is None else format_instant(from_micros(end)),
        "time_saved_minutes": job.minutes_per_event * scores["correct"],
        "active_model_id": job.active_model_id,
        "all_model_ids": job.model_ids,
        "total_events": sum(n for _, _, n in cells),
        "total_events_in_knowledge_base": in_kb,
        "total_events_with_consensus": scores["with_consensus"],
        "changed_consensus_after_training": changed,
    }


def _scope(job: JobRow, window: TimeRange, filters: Sql) -> Sql:
    """The job, the time range and the filters, as conditions on `job_events e`."""
    scope = Sql()
    scope.add("e.job_key = ?", job.job_key)
    if window.start is not None:
        scope.add("e.ts >= ?", window.start)
    if window.end is not None:
        scope.add("e.ts < ?", window.end)
    scope.add(filters.where, *filters.params)
    return scope


def _filtered_counts(tx: Tx, job: JobRow, scope: Sql
                     ) -> tuple[list[Cell], int, int | None, int | None]:
    rows = tx.rows(
        "SELECT e.decision, COALESCE(e.consensus, -1), COUNT(*), COUNT(k.event_id),"
        f" MIN(e.ts), MAX(e.ts) FROM job_events e {KB_JOIN} WHERE {scope.where}"
        " GROUP BY e.decision, COALESCE(e.consensus, -1)",
        (job.active_model_id, *scope.params))
    cells = [(int(d), int(c), int(n)) for d, c, n, _, _, _ in rows]
    firsts = [int(row[4]) for row in rows]
    lasts = [int(row[5]) for row in rows]
    return (cells, sum(int(row[3]) for row in rows), min(firsts, default=None),
            max(lasts, default=None))


def _bucket_counts(tx: Tx, job_key: str, window: TimeRange) -> list[Cell]:
    """Whole hours inside the range from `job_counts`; the partial hours at its ends from rows."""
    first_hour = None if window.start is None else -(-window.start // HOUR_MICROS)
    end_hour = None if window.end is None else window.end // HOUR_MICROS
    if first_hour is not None and end_hour is not None and first_hour >= end_hour:
        return _row_counts(tx, job_key, window.start, window.end)
    sql = ("SELECT decision, consensus, SUM(n) FROM job_counts WHERE job_key = ?"
           " AND hour >= ? AND hour < ? GROUP BY decision, consensus")
    low = -(2**62) if first_hour is None else first_hour
    high = 2**62 if end_hour is None else end_hour
    cells = [(int(d), int(c), int(n)) for d, c, n in tx.rows(sql, (job_key, low, high))]
    if first_hour is not None:
        cells += _row_counts(tx, job_key, window.start, first_hour * HOUR_MICROS)
    if end_hour is not None:
        cells += _row_counts(tx, job_key, end_hour * HOUR_MICROS, window.end)
    return cells


def _row_counts(tx: Tx, job_key: str, start: int | None, end: int | None) -> list[Cell]:
    rows = tx.rows(
        "SELECT decision, COALESCE(consensus, -1), COUNT(*) FROM job_events"
        " WHERE job_key = ? AND ts >= ? AND ts < ? GROUP BY decision, COALESCE(consensus, -1)",
        (job_key, start, end))
    return [(int(d), int(c), int(n)) for d, c, n in rows]


def _knowledge_base_count(tx: Tx, job: JobRow, scope: Sql) -> int:
    return int(tx.value(
        "SELECT COUNT(*) FROM job_kb k JOIN job_events e ON e.job_key = k.job_key"
        f" AND e.event_id = k.event_id WHERE k.job_key = ? AND k.model_id = ? AND {scope.where}",
        (job.job_key, job.active_model_id, *scope.params)))


def _bounds(tx: Tx, scope: Sql) -> tuple[int | None, int | None]:
    # Two queries: each then reads one end of the (job_key, ts) index.
    first = tx.value(f"SELECT MIN(e.ts) FROM job_events e WHERE {scope.where}", scope.params)
    last = tx.value(f"SELECT MAX(e.ts) FROM job_events e WHERE {scope.where}", scope.params)
    return (None if first is None else int(first), None if last is None else int(last))


def _changed_consensus(tx: Tx, job: JobRow, scope: Sql) -> dict[str, Any]:
    """Knowledge-base events whose consensus moved since the training, latest change first."""
    changed = (f"FROM job_events e {KB_JOIN.replace('LEFT ', '')} WHERE {scope.where}"
               " AND e.consensus <> k.label")
    params = (job.active_model_id, *scope.params)
    total = int(tx.value(f"SELECT COUNT(*) {changed}", params))
    events = tx.rows(f"SELECT e.event_id {changed} ORDER BY e.consensus_at DESC, e.event_id"
                     f" LIMIT {TOP_CHANGED}", params)
    buckets = tx.rows(f"SELECT e.bucket_id, MAX(e.consensus_at) AS latest {changed}"
                      " AND e.bucket_id IS NOT NULL GROUP BY e.bucket_id"
                      f" ORDER BY latest DESC, e.bucket_id LIMIT {TOP_CHANGED}", params)
    return {"total_events": total, "top_events_ids": [str(row[0]) for row in events],
            "top_buckets_ids": [str(row[0]) for row in buckets]}
