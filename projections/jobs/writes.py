"""How each job event changes the read model: rows, consensus, knowledge bases, counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from perfledger.domain.jobs.aggregates import EventFeedback, Job, JobEventBatch, KnowledgeBase
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.database import Tx
from perfledger.projections.jobs.knowledge import capture_kb, follow_replaced_events, mark_changed
from perfledger.projections.jobs.schema import HOUR_MICROS, NO_CONSENSUS
from perfledger.projections.json import dumps, loads
from perfledger.projections.keys import require_keys
from perfledger.projections.projection import Tables

# job key, hour, model id ('' for none), decision, consensus
CountKey = tuple[str, int, str, int, int]
# A page's changes to job_counts, summed and written once per page: a row updated for every
# batch would leave PostgreSQL a dead version per batch until a VACUUM.
Counts = Counter[CountKey]
EVENT_COLUMNS = ("job_key", "event_id", "ts", "decision", "confidence", "model_id", "bucket_id",
                 "fields", "consensus", "consensus_at", "position")


def add_job(tx: Tx, t: Tables, event: Job.Created) -> None:
    tx.execute(
        f"INSERT INTO {t.job_jobs} (job_key, organization_id, job_id, title, decisions,"
        " minutes_per_event, active_model_id, model_ids, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, NULL, '[]', ?)",
        (str(event.originator_id), event.organization_id, event.job_id, event.title,
         dumps(event.decisions), event.minutes_per_event, format_timestamp(event.timestamp)))


def add_model(tx: Tx, t: Tables, event: Job.Trained) -> None:
    job_key = str(event.originator_id)
    model_ids = loads(tx.value(f"SELECT model_ids FROM {t.job_jobs} WHERE job_key = ?",
                               (job_key,)))
    tx.execute(f"UPDATE {t.job_jobs} SET active_model_id = ?, model_ids = ? WHERE job_key = ?",
               (event.model_id, dumps([*model_ids, event.model_id]), job_key))


def decision_codes(tx: Tx, t: Tables, job_key: str) -> dict[str, int]:
    decisions = loads(tx.value(f"SELECT decisions FROM {t.job_jobs} WHERE job_key = ?",
                               (job_key,)))
    return {label: code for code, label in enumerate(decisions)}


def add_knowledge_base(tx: Tx, t: Tables, event: KnowledgeBase.Captured) -> None:
    capture_kb(tx, t, event, decision_codes(tx, t, str(event.job_key)))


def add_events(tx: Tx, t: Tables, position: int, event: JobEventBatch.Recorded,
               counts: Counts) -> None:
    """Inserts the batch's rows; a resent event id replaces its row but keeps its consensus."""
    job_key = str(event.job_key)
    require_keys("event_id", event.event_ids)
    require_keys("bucket_id", event.bucket_ids)
    codes = decision_codes(tx, t, job_key)
    columns = zip(event.event_ids, event.timestamps, event.decisions, event.confidences,
                  event.model_ids, event.bucket_ids, event.fields, strict=True)
    rows = [[job_key, event_id, ts, codes[label], confidence, model_id, bucket_id,
             dumps(fields), None, None, position]
            for event_id, ts, label, confidence, model_id, bucket_id, fields in columns]
    if not tx.insert_new(t.job_events, EVENT_COLUMNS, rows):
        _replace_events(tx, t, job_key, rows, counts)
    for row in rows:
        counts[_count_key(job_key, row[2], row[5], row[3], row[8])] += 1


def _replace_events(tx: Tx, t: Tables, job_key: str, rows: list[list[Any]],
                    counts: Counts) -> None:
    """Some ids were seen before: take their old rows out of the counts, keep their consensus."""
    existing = _existing(tx, t, job_key, [row[1] for row in rows])
    for ts, model_id, decision, consensus, _ in existing.values():
        counts[_count_key(job_key, ts, model_id, decision, consensus)] -= 1
    for row in rows:
        row[8:10] = existing.get(row[1], (None,) * 5)[3:]
    follow_replaced_events(tx, t, job_key, [row for row in rows if row[1] in existing])
    tx.upsert(t.job_events, EVENT_COLUMNS, rows,
              "ON CONFLICT (job_key, event_id) DO UPDATE SET ts = excluded.ts,"
              " decision = excluded.decision, confidence = excluded.confidence,"
              " model_id = excluded.model_id, bucket_id = excluded.bucket_id,"
              " fields = excluded.fields, position = excluded.position")


def add_feedback(tx: Tx, t: Tables, position: int, event: EventFeedback.Given,
                 counts: Counts) -> None:
    """Records the user's latest label, then moves the event to its new consensus."""
    job_key, event_id = str(event.job_key), event.event_id
    require_keys("user", [event.user, event_id])
    label = decision_codes(tx, t, job_key)[event.label]
    tx.execute(
        f"INSERT INTO {t.job_feedback} (job_key, event_id, user_name, label, position)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_key, event_id, user_name)"
        " DO UPDATE SET label = excluded.label, position = excluded.position",
        (job_key, event_id, event.user, label, position))
    row = tx.row(f"SELECT ts, model_id, decision, consensus FROM {t.job_events}"
                 " WHERE job_key = ? AND event_id = ?", (job_key, event_id))
    if row is None:
        return
    # The most frequent latest label; a tie goes to the label given most recently.
    winner = int(tx.value(
        f"SELECT label FROM {t.job_feedback} WHERE job_key = ? AND event_id = ?"
        " GROUP BY label ORDER BY COUNT(*) DESC, MAX(position) DESC LIMIT 1",
        (job_key, event_id)))
    ts, model_id, decision, consensus = row
    if winner == consensus:
        return
    tx.execute(f"UPDATE {t.job_events} SET consensus = ?, consensus_at = ?"
               " WHERE job_key = ? AND event_id = ?", (winner, position, job_key, event_id))
    mark_changed(tx, t, job_key, event_id, winner, position)
    counts[_count_key(job_key, ts, model_id, decision, consensus)] -= 1
    counts[_count_key(job_key, ts, model_id, decision, winner)] += 1


def _count_key(job_key: str, ts: int, model_id: str | None, decision: int,
               consensus: int | None) -> CountKey:
    return (job_key, ts // HOUR_MICROS, model_id or "", decision,
            NO_CONSENSUS if consensus is None else consensus)


def write_counts(tx: Tx, t: Tables, counts: Counts) -> None:
    tx.executemany(
        f"INSERT INTO {t.job_counts} (job_key, hour, model_id, decision, consensus, n)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_key, hour, model_id, decision, consensus)"
        f" DO UPDATE SET n = {t.job_counts}.n + excluded.n",
        [(*key, n) for key, n in sorted(counts.items()) if n])
    # Emptied rows go, so that the table does not depend on where pages began and ended.
    tx.executemany(
        f"DELETE FROM {t.job_counts} WHERE job_key = ? AND hour = ? AND model_id = ?"
        " AND decision = ? AND consensus = ? AND n = 0",
        [key for key, n in sorted(counts.items()) if n < 0])


def _existing(tx: Tx, t: Tables, job_key: str, event_ids: list[str]
              ) -> dict[str, tuple[Any, ...]]:
    """Rows already recorded for these ids: ts, model, decision, consensus, consensus_at."""
    rows = tx.rows_in(f"SELECT event_id, ts, model_id, decision, consensus, consensus_at"
                      f" FROM {t.job_events} WHERE job_key = ?", (job_key,), "event_id",
                      event_ids)
    return {event_id: tuple(values) for event_id, *values in rows}
