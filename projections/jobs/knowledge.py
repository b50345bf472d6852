"""Knowledge bases in the read model: captured, kept in step with their events, counted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from perfledger.domain.jobs.aggregates import KnowledgeBase
from perfledger.projections.database import Tx
from perfledger.projections.jobs.schema import HOUR_MICROS
from perfledger.projections.projection import Tables


def capture_kb(tx: Tx, t: Tables, event: KnowledgeBase.Captured, codes: dict[str, int]
               ) -> None:
    """Stores a training's captured events, then copies their time and bucket from the events."""
    job_key, model_id = str(event.job_key), event.model_id
    rows = [(job_key, model_id, event_id, codes[label], 0)
            for event_id, label in zip(event.event_ids, event.labels, strict=True)]
    if not rows:
        return
    tx.upsert(t.job_kb, ("job_key", "model_id", "event_id", "label", "ts"), rows,
              "ON CONFLICT (job_key, model_id, event_id) DO NOTHING")
    kb = t.job_kb
    # Feedback may have moved a consensus between the training's read and this event.
    tx.execute(
        f"UPDATE {kb} SET ts = e.ts, bucket_id = e.bucket_id,"
        f" changed_at = CASE WHEN e.consensus <> {kb}.label THEN e.consensus_at END"
        f" FROM {t.job_events} e WHERE e.job_key = {kb}.job_key AND e.event_id = {kb}.event_id"
        f" AND {kb}.job_key = ? AND {kb}.model_id = ?", (job_key, model_id))
    tx.execute(
        f"INSERT INTO {t.job_kb_counts} (job_key, model_id, hour, n)"
        f" SELECT job_key, model_id, ts / {HOUR_MICROS}, COUNT(*) FROM {kb}"
        f" WHERE job_key = ? AND model_id = ? GROUP BY job_key, model_id, ts / {HOUR_MICROS}",
        (job_key, model_id))


def mark_changed(tx: Tx, t: Tables, job_key: str, event_id: str, consensus: int,
                 position: int) -> None:
    """An event's consensus moved: it is changed in every knowledge base that holds another."""
    tx.execute(f"UPDATE {t.job_kb} SET changed_at = CASE WHEN label <> ? THEN ? END"
               " WHERE job_key = ? AND event_id = ?", (consensus, position, job_key, event_id))


def follow_replaced_events(tx: Tx, t: Tables, job_key: str, rows: list[list[Any]]) -> None:
    """Resent events may have a new time or bucket: knowledge bases and their counts follow."""
    new = {row[1]: (row[2], row[6]) for row in rows}
    deltas: Counter[tuple[str, int]] = Counter()
    updates = []
    for model_id, event_id, ts in tx.rows_in(
            f"SELECT model_id, event_id, ts FROM {t.job_kb} WHERE job_key = ?", (job_key,),
            "event_id", list(new)):
        new_ts, bucket_id = new[event_id]
        deltas[(model_id, int(ts) // HOUR_MICROS)] -= 1
        deltas[(model_id, new_ts // HOUR_MICROS)] += 1
        updates.append((new_ts, bucket_id, job_key, model_id, event_id))
    tx.executemany(f"UPDATE {t.job_kb} SET ts = ?, bucket_id = ?"
                   " WHERE job_key = ? AND model_id = ? AND event_id = ?", updates)
    tx.executemany(
        f"INSERT INTO {t.job_kb_counts} (job_key, model_id, hour, n) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (job_key, model_id, hour)"
        f" DO UPDATE SET n = {t.job_kb_counts}.n + excluded.n",
        [(job_key, model_id, hour, n) for (model_id, hour), n in sorted(deltas.items()) if n])
