"""Reads of recompute requests: by id, a scope's latest outcome, and the ones a worker takes up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfledger.domain.errors import NotFound
from perfledger.domain.recompute import PENDING
from perfledger.projections.database import Database
from perfledger.projections.json import loads

COLUMNS = ("request_id, target, scope, status, attempts, requested_at, started_at, finished_at,"
           " outcome, error")


@dataclass(frozen=True)
class RecomputeRow:
    request_id: str
    target: str
    scope: dict[str, str | None]
    status: str
    attempts: int
    requested_at: str
    started_at: str | None
    finished_at: str | None
    outcome: dict[str, Any] | None
    error: str | None


def _row(values: Any) -> RecomputeRow:
    values = list(values)
    values[2], values[8] = loads(values[2]), loads(values[8])
    return RecomputeRow(*values)


def find_request(db: Database, organization_id: str, request_id: str) -> RecomputeRow:
    with db.read() as tx:
        row = tx.row(f"SELECT {COLUMNS} FROM recompute_requests"
                     " WHERE request_id = ? AND organization_id = ?", (request_id, organization_id))
    if row is None:
        raise NotFound(f"Recompute request '{request_id}' not found")
    return _row(row)


@dataclass(frozen=True)
class ScopeState:
    """A scope's latest completed request (if any) and whether one is pending."""

    latest_completed: RecomputeRow | None
    pending: bool


def scope_state(db: Database, organization_id: str, key: str) -> ScopeState:
    with db.read() as tx:
        latest = tx.row(f"SELECT {COLUMNS} FROM recompute_requests WHERE scope_key = ?"
                        " AND organization_id = ? AND status = 'completed'"
                        " ORDER BY finished_at DESC, position DESC LIMIT 1",
                        (key, organization_id))
        pending = tx.value("SELECT 1 FROM recompute_requests WHERE scope_key = ?"
                           " AND organization_id = ? AND status IN (?, ?) LIMIT 1",
                           (key, organization_id, *PENDING))
    return ScopeState(None if latest is None else _row(latest), pending is not None)


def due_requests(db: Database, stuck_before: str, limit: int = 20) -> list[str]:
    """Queued requests, and those left in progress since before `stuck_before` (a crash)."""
    with db.read() as tx:
        rows = tx.rows(
            "SELECT request_id FROM recompute_requests WHERE status = 'queued'"
            " OR (status = 'in_progress' AND started_at < ?) ORDER BY requested_at LIMIT ?",
            (stuck_before, limit))
    return [str(request_id) for (request_id,) in rows]
