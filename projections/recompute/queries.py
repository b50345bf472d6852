"""Reads of recompute requests: one by id, and the ones a worker should take up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import NotFound
from projections.database import Database
from projections.json import loads


@dataclass(frozen=True)
class RecomputeRow:
    request_id: str
    model_id: str
    version_id: str | None
    dataset_split: str | None
    status: str
    attempts: int
    requested_at: str
    started_at: str | None
    finished_at: str | None
    outcome: dict[str, Any] | None
    error: str | None


def find_request(db: Database, organization_id: str, request_id: str) -> RecomputeRow:
    with db.read() as tx:
        row = tx.row(
            "SELECT request_id, model_id, version_id, dataset_split, status, attempts,"
            " requested_at, started_at, finished_at, outcome, error FROM recompute_requests"
            " WHERE request_id = ? AND organization_id = ?", (request_id, organization_id))
    if row is None:
        raise NotFound(f"Recompute request '{request_id}' not found")
    values = list(row)
    values[9] = loads(values[9])
    return RecomputeRow(*values)


def due_requests(db: Database, stuck_before: str, limit: int = 20) -> list[str]:
    """Queued requests, and those left in progress since before `stuck_before` (a crash)."""
    with db.read() as tx:
        rows = tx.rows(
            "SELECT request_id FROM recompute_requests WHERE status = 'queued'"
            " OR (status = 'in_progress' AND started_at < ?) ORDER BY requested_at LIMIT ?",
            (stuck_before, limit))
    return [str(request_id) for (request_id,) in rows]
