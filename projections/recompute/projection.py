"""Projects recompute request events into one row per request, whatever its target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.recompute import RecomputeRequest, scope_key
from domain.timestamps import format_timestamp
from projections.comparison import compare_tables
from projections.database import Database, Tx
from projections.event_log import Positioned
from projections.json import dumps
from projections.projection import Tables
from projections.topics import event_topics


class RecomputeProjection:
    name = "recompute"
    tables = ("recompute_requests",)
    topics = event_topics(RecomputeRequest, "Requested", "Started", "Completed", "Failed")

    def schema(self, database: Database, t: Tables) -> list[str]:
        return [
            f"CREATE TABLE {t.recompute_requests} ("
            " request_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL,"
            " target TEXT NOT NULL, scope_key TEXT NOT NULL, scope TEXT NOT NULL,"
            " status TEXT NOT NULL, attempts INTEGER NOT NULL, requested_at TEXT NOT NULL,"
            " started_at TEXT, finished_at TEXT, outcome TEXT, error TEXT, position BIGINT)",
            f"CREATE INDEX {t.recompute_requests}_by_status ON {t.recompute_requests}"
            " (status, started_at)",
            # The v2 model metrics read a scope's latest completed request and pending ones.
            f"CREATE INDEX {t.recompute_requests}_by_scope ON {t.recompute_requests}"
            " (scope_key, status, finished_at)",
        ]

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        for position, event in events:
            kind = type(event).__name__
            at = format_timestamp(event.timestamp)
            request_id = str(event.originator_id)
            if kind == "Requested":
                tx.execute(
                    f"INSERT INTO {t.recompute_requests} (request_id, organization_id, target,"
                    " scope_key, scope, status, attempts, requested_at, position)"
                    " VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                    (request_id, event.organization_id, event.target,
                     scope_key(event.target, event.scope), dumps(event.scope), at, position))
            else:
                _update(tx, t, kind, request_id, at, position, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def _update(tx: Tx, t: Tables, kind: str, request_id: str, at: str, position: int,
            event: Any) -> None:
    if kind == "Started":
        sql = "status = 'in_progress', started_at = ?, attempts = ?, position = ?"
        params: tuple[Any, ...] = (at, event.attempt, position)
    elif kind == "Completed":
        sql = "status = 'completed', finished_at = ?, outcome = ?, position = ?"
        params = (at, dumps(event.outcome), position)
    else:
        sql = "status = 'failed', finished_at = ?, error = ?, position = ?"
        params = (at, event.reason, position)
    tx.execute(f"UPDATE {t.recompute_requests} SET {sql} WHERE request_id = ?",
               (*params, request_id))
