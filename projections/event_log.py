"""Reads the application's notification log as (position, domain event) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from perfledger.projections.database import Database, Tx

Positioned = tuple[int, Any]


class EventLog:
    """The totally ordered log every projection follows."""

    def __init__(self, application: Application[UUID], database: Database) -> None:
        self._recorder: Any = application.recorder
        self._mapper = application.mapper
        self._database = database

    def head(self) -> int:
        return int(self._recorder.max_notification_id() or 0)

    def read(self, after: int, stop: int, limit: int, topics: Sequence[str]) -> list[Positioned]:
        notifications = self._recorder.select_notifications(
            start=after, stop=stop, limit=limit, topics=topics, inclusive_of_start=False
        )
        return [(n.id, self._mapper.to_domain_event(n)) for n in notifications]

    def recorded_any(
        self, tx: Tx, originator_ids: Sequence[UUID], topics: Sequence[str]
    ) -> set[UUID]:
        """Which of the aggregates have recorded an event of one of `topics`: probes of the
        events' primary key, nothing decoded, inside the caller's read transaction."""
        if not originator_ids or not topics:
            return set()
        table = self._recorder.events_table_name
        hexed = self._database.dialect == "sqlite"
        keys = [i.hex if hexed else str(i) for i in originator_ids]
        marks = ",".join("?" * len(topics))
        sql = f"SELECT DISTINCT originator_id FROM {table} WHERE topic IN ({marks})"
        rows = tx.rows_in(sql, tuple(topics), "originator_id", keys)
        return {UUID(str(value)) for (value,) in rows}

    def position_of_first_event(self, originator_id: UUID) -> int | None:
        """The position at which an aggregate was created, e.g. a resent batch's original."""
        table = self._recorder.events_table_name
        if self._database.dialect == "sqlite":
            column, key = "rowid", originator_id.hex
        else:
            column, key = "notification_id", str(originator_id)
        sql = f"SELECT {column} FROM {table} WHERE originator_id = ? AND originator_version = 1"
        with self._database.read() as tx:
            value = tx.value(sql, (key,))
        return None if value is None else int(value)
