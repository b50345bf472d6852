"""Quarantine: an event a projection cannot apply is set aside, and the projection goes on.

Many organizations share one log, so one event that fails (a key too long for an index, a
rule the projection does not know) must not stop every projection after it for everyone.
The event's position, topic, organization and error are recorded in the same transaction as
the rest of its page; `perfledger projections retry NAME` applies it again after a fix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.utils import get_topic

from perfledger.projections.database import Database, Tx, is_transient
from perfledger.projections.event_log import Positioned
from perfledger.projections.projection import Projection, Tables

log = logging.getLogger("perfledger.projections")

QUARANTINE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS projection_quarantine ("
    " name TEXT NOT NULL, generation INTEGER NOT NULL, position BIGINT NOT NULL,"
    " topic TEXT NOT NULL, organization_id TEXT, error TEXT NOT NULL, recorded_at TEXT NOT NULL,"
    " PRIMARY KEY (name, generation, position))"
)
MAX_ERROR_CHARS = 2_000


@dataclass(frozen=True)
class Quarantined:
    name: str
    position: int
    topic: str
    organization_id: str | None
    error: str
    recorded_at: str


def apply_isolated(
    tx: Tx, projection: Projection, t: Tables, events: Sequence[Positioned]
) -> int:
    """Applies a page; if it fails, applies its events one by one and quarantines each that
    fails. Errors of the database itself (a lost connection, a lock) are raised, not blamed
    on an event. Returns how many events were quarantined."""
    try:
        with tx.savepoint():
            projection.apply(tx, t, events)
        return 0
    except Exception as error:
        if is_transient(error):
            raise
    quarantined = 0
    for positioned in events:
        try:
            with tx.savepoint():
                projection.apply(tx, t, [positioned])
        except Exception as error:
            if is_transient(error):
                raise
            _record(tx, projection.name, t.generation, positioned, error)
            quarantined += 1
    return quarantined


def _record(tx: Tx, name: str, generation: int, positioned: Positioned, error: Exception
            ) -> None:
    position, event = positioned
    topic = get_topic(type(event))
    organization = getattr(event, "organization_id", None)
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    tx.execute(
        "INSERT INTO projection_quarantine (name, generation, position, topic, organization_id,"
        " error, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (name, generation, position, topic, organization, text,
         datetime.now(UTC).isoformat(timespec="seconds")),
    )
    log.error(
        "projection %s quarantined the event at position %d (%s, organization %s): %s;"
        " it goes on without it. After a fix, run `perfledger projections retry %s`",
        name, position, topic, organization, text, name,
    )


def live_quarantine(db: Database, name: str | None = None) -> list[Quarantined]:
    """The quarantined events of the live generations (of one projection, or all)."""
    sql = (
        "SELECT q.name, q.position, q.topic, q.organization_id, q.error, q.recorded_at"
        " FROM projection_quarantine q JOIN projection_live l"
        " ON q.name = l.name AND q.generation = l.generation"
    )
    params: tuple[Any, ...] = ()
    if name is not None:
        sql, params = sql + " WHERE q.name = ?", (name,)
    with db.read() as tx:
        rows = tx.rows(sql + " ORDER BY q.name, q.position", params)
    return [Quarantined(str(n), int(p), str(t), o, str(e), str(r)) for n, p, t, o, e, r in rows]


def quarantine_counts(db: Database) -> dict[str, int]:
    with db.read() as tx:
        rows = tx.rows(
            "SELECT q.name, COUNT(*) FROM projection_quarantine q JOIN projection_live l"
            " ON q.name = l.name AND q.generation = l.generation GROUP BY q.name"
        )
    return {str(name): int(count) for name, count in rows}


def forget_generation(tx: Tx, name: str, generation: int) -> None:
    tx.execute(
        "DELETE FROM projection_quarantine WHERE name = ? AND generation = ?", (name, generation)
    )
