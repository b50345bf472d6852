"""Job metrics: counts from hourly buckets when unfiltered, aggregated in SQL when filtered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from perfledger.domain.metrics.decisions import Cell, decision_scores
from perfledger.domain.timestamps import from_micros
from perfledger.projections.database import Database, Tx
from perfledger.projections.jobs.filters import Filter, Sql, compile_filters
from perfledger.projections.jobs.queries import JobRow, format_instant
from perfledger.projections.jobs.schema import HOUR_MICROS

TOP_CHANGED = 10
KB_JOIN = ("LEFT JOIN job_kb k ON k.job_key = e.job_key AND k.model_id = ?"
           " AND k.event_id = e.event_id")
# The active knowledge base's changed events, from a partial index over those alone; CROSS JOIN
# keeps SQLite's loop over them rather than over every event in the range.
CHANGED_KB = ("FROM job_kb k WHERE k.job_key = ? AND k.model_id = ?"
              " AND k.changed_at IS NOT NULL")
CHANGED_KB_EVENTS = (
    "FROM job_kb k CROSS JOIN job_events e WHERE k.job_key = ? AND k.model_id = ?"
    " AND k.changed_at IS NOT NULL AND e.job_key = k.job_key AND e.event_id = k.event_id")


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
            in_kb = _knowledge_base_count(tx, job, window)
            first, last = _bounds(tx, scope)
        changed = _changed_consensus(tx, job, window, scope if filters else None)
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


@dataclass(frozen=True)
class HourSplit:
    """A range as whole hours `[first_hour, end_hour)` and the partial hours at its ends."""

    first_hour: int
    end_hour: int
    edges: list[tuple[int, int]]


def split_hours(window: TimeRange) -> HourSplit:
    start, end = window.start, window.end
    if start is not None and end is not None and -(-start // HOUR_MICROS) >= end // HOUR_MICROS:
        return HourSplit(0, 0, [(start, end)])  # no whole hour inside
    first_hour, end_hour, edges = -(2**62), 2**62, []
    if start is not None:
        first_hour = -(-start // HOUR_MICROS)
        edges.append((start, first_hour * HOUR_MICROS))
    if end is not None:
        end_hour = end // HOUR_MICROS
        edges.append((end_hour * HOUR_MICROS, end))
    return HourSplit(first_hour, end_hour, edges)


def _bucket_counts(tx: Tx, job_key: str, window: TimeRange) -> list[Cell]:
    """Whole hours inside the range from `job_counts`; the partial hours at its ends from rows."""
    split = split_hours(window)
    rows = tx.rows("SELECT decision, consensus, SUM(n) FROM job_counts WHERE job_key = ?"
                   " AND hour >= ? AND hour < ? GROUP BY decision, consensus",
                   (job_key, split.first_hour, split.end_hour))
    for start, end in split.edges:
        rows += tx.rows(
            "SELECT decision, COALESCE(consensus, -1), COUNT(*) FROM job_events"
            " WHERE job_key = ? AND ts >= ? AND ts < ? GROUP BY decision, COALESCE(consensus, -1)",
            (job_key, start, end))
    return [(int(d), int(c), int(n)) for d, c, n in rows]


def _knowledge_base_count(tx: Tx, job: JobRow, window: TimeRange) -> int:
    """The active knowledge base's events in the range, from its hourly counts and edges."""
    split = split_hours(window)
    key = (job.job_key, job.active_model_id)
    total = tx.value("SELECT SUM(n) FROM job_kb_counts WHERE job_key = ? AND model_id = ?"
                     " AND hour >= ? AND hour < ?", (*key, split.first_hour, split.end_hour))
    for start, end in split.edges:
        total = (total or 0) + tx.value(
            "SELECT COUNT(*) FROM job_kb WHERE job_key = ? AND model_id = ? AND ts >= ?"
            " AND ts < ?", (*key, start, end))
    return int(total or 0)


def _bounds(tx: Tx, scope: Sql) -> tuple[int | None, int | None]:
    # Two queries: each then reads one end of the (job_key, ts) index.
    first = tx.value(f"SELECT MIN(e.ts) FROM job_events e WHERE {scope.where}", scope.params)
    last = tx.value(f"SELECT MAX(e.ts) FROM job_events e WHERE {scope.where}", scope.params)
    return (None if first is None else int(first), None if last is None else int(last))


def _changed_consensus(tx: Tx, job: JobRow, window: TimeRange, scope: Sql | None
                       ) -> dict[str, Any]:
    """Knowledge-base events whose consensus moved since the training, latest change first.

    Unfiltered, the knowledge base's own copy of each event's time answers alone; filters
    need the events themselves.
    """
    if scope is None:
        changed = CHANGED_KB
        params: list[Any] = [job.job_key, job.active_model_id]
        for bound, condition in ((window.start, "k.ts >= ?"), (window.end, "k.ts < ?")):
            if bound is not None:
                changed += f" AND {condition}"
                params.append(bound)
    else:
        changed = f"{CHANGED_KB_EVENTS} AND {scope.where}"
        params = [job.job_key, job.active_model_id, *scope.params]
    total = int(tx.value(f"SELECT COUNT(*) {changed}", params))
    events = tx.rows(f"SELECT k.event_id {changed} ORDER BY k.changed_at DESC, k.event_id"
                     f" LIMIT {TOP_CHANGED}", params)
    buckets = tx.rows(f"SELECT k.bucket_id, MAX(k.changed_at) AS latest {changed}"
                      " AND k.bucket_id IS NOT NULL GROUP BY k.bucket_id"
                      f" ORDER BY latest DESC, k.bucket_id LIMIT {TOP_CHANGED}", params)
    return {"total_events": total, "top_events_ids": [str(row[0]) for row in events],
            "top_buckets_ids": [str(row[0]) for row in buckets]}
