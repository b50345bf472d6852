"""Projects recompute request events into one row per request, whatever its target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfledger.domain.recompute import RecomputeRequest, scope_key
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of


class RecomputeProjection:
    name = "recompute"
    computed_by = ""
    tables = ("recompute_requests",)
    topics = topics_of(RecomputeRequest.Requested, RecomputeRequest.Started,
                       RecomputeRequest.Completed, RecomputeRequest.Failed)

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
            at = format_timestamp(event.timestamp)
            request_id = str(event.originator_id)
            match event:
                case RecomputeRequest.Requested():
                    tx.execute(
                        f"INSERT INTO {t.recompute_requests} (request_id, organization_id,"
                        " target, scope_key, scope, status, attempts, requested_at, position)"
                        " VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                        (request_id, event.organization_id, event.target,
                         scope_key(event.target, event.scope), dumps(event.scope), at, position))
                case RecomputeRequest.Started():
                    _update(tx, t, request_id, "status = 'in_progress', started_at = ?,"
                            " attempts = ?", (at, event.attempt), position)
                case RecomputeRequest.Completed():
                    _update(tx, t, request_id, "status = 'completed', finished_at = ?,"
                            " outcome = ?", (at, dumps(event.outcome)), position)
                case RecomputeRequest.Failed():
                    _update(tx, t, request_id, "status = 'failed', finished_at = ?, error = ?",
                            (at, event.reason), position)
                case _:
                    raise UnknownEvent(self.name, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def _update(tx: Tx, t: Tables, request_id: str, assignments: str, params: tuple[Any, ...],
            position: int) -> None:
    tx.execute(f"UPDATE {t.recompute_requests} SET {assignments}, position = ?"
               " WHERE request_id = ?", (*params, position, request_id))
