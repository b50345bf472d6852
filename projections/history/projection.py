"""Projects every event about a model into its audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfledger.domain.monitoring.alert import Alert
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.performance.batches import LabelBatch, PredictionBatch
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of

_BOOKKEEPING = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
# The history's name of each event it keeps.
_EVENT_TYPES: dict[type, str] = {
    Model.Registered: "ModelRegistered",
    Model.VersionCreated: "VersionCreated",
    Model.VersionStatusChanged: "VersionStatusChanged",
    Model.VersionPromoted: "VersionPromoted",
    Model.Onboarded: "ModelOnboarded",
    Model.EntryUpdated: "ModelUpdated",
    Model.Deleted: "ModelDeleted",
    Model.ArtifactRecorded: "ArtifactRecorded",
    Model.SurrogateRequested: "SurrogateRequested",
    Monitor.Created: "MonitorCreated",
    Monitor.Changed: "MonitorChanged",
    Monitor.Deleted: "MonitorDeleted",
    Alert.Raised: "AlertRaised",
    Alert.Escalated: "AlertEscalated",
    Alert.Eased: "AlertEased",
    Alert.Resolved: "AlertResolved",
    PredictionBatch.Recorded: "PredictionsRecorded",
    LabelBatch.Recorded: "LabelsRecorded",
}


class HistoryProjection:
    name = "history"
    computed_by = ""
    tables = ("model_history",)
    topics = topics_of(*_EVENT_TYPES)

    def schema(self, database: Database, t: Tables) -> list[str]:
        return [
            f"CREATE TABLE {t.model_history} ("
            " model_id TEXT NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL,"
            " at TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (model_id, position))",
        ]

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        tx.executemany(
            f"INSERT INTO {t.model_history} (model_id, position, type, at, actor, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [_entry(self.name, position, event) for position, event in events],
        )

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def _entry(projection: str, position: int, event: Any) -> tuple[str, int, str, str, str, str]:
    match event:
        case PredictionBatch.Recorded() | LabelBatch.Recorded():
            model_id = str(event.model_id)
            data: dict[str, Any] = {
                "version_id": event.version_id,
                "dataset_split": event.dataset_split,
                "batch_id": event.batch_id,
                "rows": len(event.row_ids),
            }
        case (Monitor.Created() | Monitor.Changed() | Monitor.Deleted()
              | Alert.Transition()) if type(event) in _EVENT_TYPES:
            model_id = event.model_id
            data = {k: v for k, v in vars(event).items()
                    if k not in _BOOKKEEPING and k not in ("model_id", "organization_id")}
            data["monitor_id"] = data.get("monitor_id", str(event.originator_id))
        case Model.Event() if type(event) in _EVENT_TYPES:
            model_id = str(event.originator_id)
            data = {k: v for k, v in vars(event).items() if k not in _BOOKKEEPING}
        case _:
            raise UnknownEvent(projection, event)
    at = format_timestamp(event.timestamp)
    return (model_id, position, _EVENT_TYPES[type(event)], at, event.actor, dumps(data))
