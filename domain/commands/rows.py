"""Commands recording rows: prediction and label batches, one event per batch."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from domain.batches import LabelBatch, PredictionBatch
from domain.commands.models import ModelCommands
from domain.errors import Conflict
from domain.model import Model
from domain.records import (
    LabelRecord,
    ModelTraits,
    PredictionRecord,
    label_columns,
    prediction_columns,
)
from domain.values import BatchReceipt, Caller
from domain.vocabulary import DatasetSplit, VersionStatus


class RowCommands(ModelCommands):
    def record_predictions(
        self,
        caller: Caller,
        model_id: UUID,
        version_id: str,
        split: DatasetSplit,
        records: Sequence[PredictionRecord],
        batch_id: str | None = None,
    ) -> BatchReceipt:
        model = self._model_accepting_rows(caller, model_id, version_id)
        columns = prediction_columns(traits_of(model), records)
        batch_id = batch_id or _hash_of(records)
        where = batch_fields(caller, model_id, version_id, split, batch_id)
        return self._save_batch(PredictionBatch(**where, **vars(columns)), batch_id)

    def record_labels(
        self,
        caller: Caller,
        model_id: UUID,
        version_id: str,
        split: DatasetSplit,
        records: Sequence[LabelRecord],
        batch_id: str | None = None,
    ) -> BatchReceipt:
        model = self._model_accepting_rows(caller, model_id, version_id)
        columns = label_columns(traits_of(model), records)
        batch_id = batch_id or f"labels-{secrets.token_hex(8)}"
        where = batch_fields(caller, model_id, version_id, split, batch_id)
        return self._save_batch(LabelBatch(**where, **vars(columns)), batch_id)

    def _model_accepting_rows(self, caller: Caller, model_id: UUID, version_id: str) -> Model:
        model = self.get_model(caller, model_id)
        if model.version_of(version_id).status is VersionStatus.ARCHIVED:
            raise Conflict(f"Version '{version_id}' is archived and accepts no more rows")
        return model

    def _save_batch(self, batch: PredictionBatch | LabelBatch, batch_id: str) -> BatchReceipt:
        try:
            position = self._save(batch)
        except Conflict:
            recorded = self._get(batch.id, type(batch))
            return BatchReceipt(batch_id, batch.id, recorded.row_count, None)
        return BatchReceipt(batch_id, batch.id, batch.row_count, position)


def batch_fields(
    caller: Caller, model_id: UUID, version_id: str, split: DatasetSplit, batch_id: str
) -> dict[str, Any]:
    """What every batch event records besides its rows: where they belong, and who sent them."""
    return {
        "organization_id": caller.organization_id,
        "model_id": model_id,
        "version_id": version_id,
        "dataset_split": str(split),
        "batch_id": batch_id,
        "actor": caller.actor,
    }


def traits_of(model: Model) -> ModelTraits:
    return ModelTraits(model.task, model.labels, model.inputs)


def _hash_of(records: Sequence[PredictionRecord]) -> str:
    return "sha256-" + hashlib.sha256(msgspec.json.encode(records)).hexdigest()[:32]
