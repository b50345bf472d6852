"""Reads of a webhook's deliveries and their attempts (the deliveries log)."""

from __future__ import annotations

from typing import Any

from perfledger.domain.timestamps import format_timestamp, from_micros
from perfledger.projections.database import Database
from perfledger.projections.json import loads


def deliveries_of(database: Database, webhook_id: str, limit: int, offset: int
                  ) -> list[dict[str, Any]]:
    """Newest first, each with every attempt in order."""
    with database.read() as tx:
        found = tx.rows(
            "SELECT delivery_id, position, type, state, attempts, created_at, next_attempt_at,"
            " body FROM webhook_deliveries WHERE webhook_id = ?"
            " ORDER BY position DESC LIMIT ? OFFSET ?", (webhook_id, limit, offset))
        attempts: dict[str, list[dict[str, Any]]] = {str(row[0]): [] for row in found}
        if attempts:
            for delivery_id, attempt, at, status_code, error, seconds in tx.rows_in(
                    "SELECT delivery_id, attempt, at, status_code, error, seconds"
                    " FROM webhook_attempts WHERE 1 = 1", (), "delivery_id", sorted(attempts)):
                attempts[str(delivery_id)].append(
                    {"attempt": int(attempt), "at": at, "status_code": status_code,
                     "error": error, "seconds": float(seconds)})
    return [{"delivery_id": delivery_id, "position": int(position), "type": kind,
             "state": state, "attempt_count": int(count),
             "created_at": format_timestamp(from_micros(int(created))),
             "next_attempt_at": (format_timestamp(from_micros(int(due)))
                                 if state == "pending" else None),
             "body": loads(body),
             "attempts": sorted(attempts[str(delivery_id)], key=lambda a: a["attempt"])}
            for delivery_id, position, kind, state, count, created, due, body in found]


def delivery_counts(database: Database) -> dict[str, int]:
    """Deliveries of every webhook by state, every state present."""
    with database.read() as tx:
        found = {str(state): int(count) for state, count in tx.rows(
            "SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state")}
    return {state: found.get(state, 0)
            for state in ("pending", "delivered", "failed", "cancelled")}
