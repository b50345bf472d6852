"""A monitor's rule as each of its events left it, with the event-store position of each.

An alert's transition was judged under the rule in force when it was recorded: the last rule
event before the transition's position. The monitor's events are read from the event store
(a few per monitor, by their aggregate's key), so the answer never lags a projection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from perfledger.domain.monitoring.monitor import Monitor
from perfledger.projections.database import Database


@dataclass(frozen=True)
class RuleRevision:
    revision: int  # 1 as created, one more for each change
    position: int  # where the event that made it was recorded
    rule: dict[str, Any]


def rule_revisions(application: Application[UUID], database: Database, monitor_id: UUID
                   ) -> list[RuleRevision]:
    """The monitor's rule after its creation and after each change, oldest first."""
    recorder: Any = application.recorder
    table = recorder.events_table_name
    if database.dialect == "sqlite":
        column, key = "rowid", monitor_id.hex
    else:
        column, key = "notification_id", str(monitor_id)
    with database.read() as tx:
        positions = {int(version): int(position) for version, position in tx.rows(
            f"SELECT originator_version, {column} FROM {table} WHERE originator_id = ?",
            (key,))}
    revisions: list[RuleRevision] = []
    rule: dict[str, Any] = {}
    for event in application.events.get(monitor_id):
        if isinstance(event, Monitor.Created):
            rule = dict(event.rule)
        elif isinstance(event, Monitor.Changed):
            rule = {**rule, **event.changes}
        else:
            continue
        position = positions.get(event.originator_version, 0)
        revisions.append(RuleRevision(len(revisions) + 1, position, rule))
    return revisions


def revision_at(revisions: Sequence[RuleRevision], position: int) -> RuleRevision | None:
    """The revision in force at `position`: the last one recorded before it."""
    found = None
    for revision in revisions:
        if revision.position >= position:
            break
        found = revision
    return found
