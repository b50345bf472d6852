"""Reads of a model's audit trail."""

from __future__ import annotations

from typing import Any

from perfledger.projections.database import Database
from perfledger.projections.json import loads


def model_history(
    db: Database, model_id: str, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    with db.read() as tx:
        rows = tx.rows(
            "SELECT position, type, at, actor, data FROM model_history"
            " WHERE model_id = ? AND position > ? ORDER BY position LIMIT ?",
            (model_id, after, limit),
        )
    return [
        {"position": int(position), "type": kind, "at": at, "actor": actor, "data": loads(data)}
        for position, kind, at, actor, data in rows
    ]
