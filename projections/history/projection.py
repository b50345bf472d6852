"""Projects every event about a model into its audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.batches import LabelBatch, PredictionBatch
from domain.model import Model
from domain.timestamps import format_timestamp
from projections.comparison import compare_tables
from projections.database import Database, Tx
from projections.event_log import Positioned
from projections.json import dumps
from projections.projection import Tables
from projections.topics import event_topics

_BOOKKEEPING = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
_EVENT_TYPES = {
    "Model.Registered": "ModelRegistered",
    "Model.VersionCreated": "VersionCreated",
    "Model.VersionStatusChanged": "VersionStatusChanged",
    "Model.VersionPromoted": "VersionPromoted",
    "Model.Onboarded": "ModelOnboarded",
    "Model.EntryUpdated": "ModelUpdated",
    "Model.Deleted": "ModelDeleted",
    "Model.ArtifactRecorded": "ArtifactRecorded",
    "Model.SurrogateRequested": "SurrogateRequested",
    "PredictionBatch.Recorded": "PredictionsRecorded",
    "LabelBatch.Recorded": "LabelsRecorded",
}


class HistoryProjection:
    name = "history"
    tables = ("model_history",)
    topics = (
        *event_topics(
            Model, "Registered", "VersionCreated", "VersionStatusChanged", "VersionPromoted",
            "Onboarded", "EntryUpdated", "Deleted", "ArtifactRecorded", "SurrogateRequested",
        ),
        *event_topics(PredictionBatch, "Recorded"),
        *event_topics(LabelBatch, "Recorded"),
    )

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
            [_entry(position, event) for position, event in events],
        )

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def _entry(position: int, event: Any) -> tuple[str, int, str, str, str, str]:
    kind = type(event).__qualname__
    if kind.endswith("Batch.Recorded"):
        model_id = str(event.model_id)
        data: dict[str, Any] = {
            "version_id": event.version_id,
            "dataset_split": event.dataset_split,
            "batch_id": event.batch_id,
            "rows": len(event.row_ids),
        }
    else:
        model_id = str(event.originator_id)
        data = {k: v for k, v in vars(event).items() if k not in _BOOKKEEPING}
    at = format_timestamp(event.timestamp)
    return (model_id, position, _EVENT_TYPES[kind], at, event.actor, dumps(data))
