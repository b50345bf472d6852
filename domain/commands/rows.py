"""Commands recording rows: prediction and label batches, one event per batch."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import msgspec

from perfledger.domain.commands.models import ModelCommands
from perfledger.domain.errors import BatchReused, Conflict
from perfledger.domain.performance.batches import LabelBatch, PredictionBatch
from perfledger.domain.performance.records import (
    LabelColumns,
    LabelRecord,
    ModelTraits,
    PredictionColumns,
    PredictionRecord,
    label_columns,
    prediction_columns,
)
from perfledger.domain.registry.model import Model
from perfledger.domain.values import BatchReceipt, Caller
from perfledger.domain.vocabulary import DatasetSplit, VersionStatus

MAX_ATTEMPTS = 5
Prepared = tuple[Model, PredictionBatch | LabelBatch, PredictionColumns | LabelColumns]


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
        batch_id = batch_id or _hash_of(records)

        def prepare() -> Prepared:
            model = self._model_accepting_rows(caller, model_id, version_id)
            columns = prediction_columns(traits_of(model), records)
            model.see_labels([*columns.predicted_labels, *columns.true_labels,
                              *columns.probability_labels])
            model.see_tag_names(name for tags in columns.tags if tags for name in tags)
            where = batch_fields(caller, model_id, version_id, split, batch_id)
            return model, PredictionBatch(**where, **vars(columns)), columns

        return self._record_batch(prepare, batch_id)

    def record_labels(
        self,
        caller: Caller,
        model_id: UUID,
        version_id: str,
        split: DatasetSplit,
        records: Sequence[LabelRecord],
        batch_id: str | None = None,
    ) -> BatchReceipt:
        batch_id = batch_id or f"labels-{secrets.token_hex(8)}"

        def prepare() -> Prepared:
            model = self._model_accepting_rows(caller, model_id, version_id)
            columns = label_columns(traits_of(model), records)
            model.see_labels(columns.true_labels)
            where = batch_fields(caller, model_id, version_id, split, batch_id)
            return model, LabelBatch(**where, **vars(columns)), columns

        return self._record_batch(prepare, batch_id)

    def _model_accepting_rows(self, caller: Caller, model_id: UUID, version_id: str) -> Model:
        model = self.get_model(caller, model_id)
        if model.version_of(version_id).status is VersionStatus.ARCHIVED:
            raise Conflict(f"Version '{version_id}' is archived and accepts no more rows")
        return model

    def _record_batch(self, prepare: Callable[[], Prepared], batch_id: str) -> BatchReceipt:
        """Saves the batch with the labels it brings to its model. A batch id recorded before
        answers as its first sending did (409 when the rows differ); a model changed meanwhile
        (another batch's new labels, a promotion) is read again."""
        for _ in range(MAX_ATTEMPTS):
            model, batch, columns = prepare()
            try:
                position = self._save(model, batch)  # the batch last: its position answers
            except Conflict:
                recorded = self._first_event(batch.id)
                if recorded is None:
                    continue
                receipt = BatchReceipt(batch_id, batch.id, len(recorded.row_ids), None)
                if any(getattr(recorded, name) != value for name, value in vars(columns).items()):
                    raise BatchReused(receipt) from None
                return receipt
            return BatchReceipt(batch_id, batch.id, batch.row_count, position)
        raise Conflict("The model kept changing while the batch was recorded; send it again")

    def _first_event(self, aggregate_id: UUID) -> Any:
        return next(iter(self.events.get(aggregate_id, limit=1)), None)


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
    }


def traits_of(model: Model) -> ModelTraits:
    return ModelTraits(model.task, model.labels, model.inputs)


def _hash_of(records: Sequence[PredictionRecord]) -> str:
    return "sha256-" + hashlib.sha256(msgspec.json.encode(records)).hexdigest()[:32]
