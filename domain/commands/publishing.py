"""Commands publishing v3 rows: mapped batches (one event per call or file chunk), and jobs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import msgspec

from perfledger.domain.catalog.operations import Operation
from perfledger.domain.catalog.publishing import MappedRows
from perfledger.domain.commands.registry import RegistryCommands
from perfledger.domain.commands.rows import MAX_ATTEMPTS, RowCommands, batch_fields, traits_of
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.performance.batches import LabelBatch, PredictionBatch
from perfledger.domain.performance.records import label_columns, prediction_columns
from perfledger.domain.registry.model import Model
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import DatasetSplit


@dataclass(frozen=True)
class Published:
    """What a publish recorded: rows, new batches, and the position of the last event."""

    rows: int
    batches: int
    position: int | None
    job: Operation | None = None


class PublishCommands(RowCommands, RegistryCommands):
    def publishing_model(self, caller: Caller, model_id: UUID) -> tuple[Model, str]:
        """The model and the version its rows go to: the promoted one, else the latest."""
        model = self.get_entry(caller, model_id)
        version = model.promoted_version_id or list(model.versions)[-1]
        self._model_accepting_rows(caller, model_id, version)
        return model, version

    def publish(
        self,
        caller: Caller,
        model_id: UUID,
        split: DatasetSplit,
        chunks: list[tuple[str, MappedRows]],
        update: bool = False,
        job: tuple[str, dict[str, Any]] | None = None,
        expected_version: str | None = None,
    ) -> Published:
        """Validates every chunk, then saves its batches (and a finished job) atomically.

        New predictions get a batch id from their content, so a resent chunk is a no-op.
        Updates (labels, corrections) get a fresh one: sending a value again after another
        correction must win again, as v1's label batches without a batch_id do.
        `expected_version` is the version the caller checked the rows against: if another
        has been promoted since, the rows would go elsewhere, so that is a conflict.
        """
        model, version = self.publishing_model(caller, model_id)
        if expected_version is not None and version != expected_version:
            raise Conflict(
                f"Rows now go to version '{version}', not '{expected_version}'; retry"
            )
        traits = traits_of(model)
        where = batch_fields(caller, model.id, version, split, "")
        checked: list[tuple[type[PredictionBatch | LabelBatch], str, dict[str, Any]]] = []
        rows = 0
        for key, mapped in chunks:
            rows += len(mapped.event_ids)
            try:
                if mapped.predictions:
                    columns = prediction_columns(traits, mapped.predictions)
                    batch_id = f"{key}-p-{_digest(mapped.predictions, update)}"
                    checked.append((PredictionBatch, batch_id, vars(columns)))
                if mapped.labels:
                    labels = label_columns(traits, mapped.labels)
                    batch_id = f"{key}-l-{_digest(mapped.labels, True)}"
                    checked.append((LabelBatch, batch_id, vars(labels)))
            except InvalidInput as error:
                raise InvalidInput(f"{key}: {error.message}", error.details) from None
        for _ in range(MAX_ATTEMPTS):
            # Fresh aggregates each time: a failed save has taken their pending events.
            batches = [kind(**{**where, "batch_id": batch_id}, **columns)
                       for kind, batch_id, columns in checked]
            new = [batch for batch in batches if not self._recorded(batch)]
            finished = None
            if job is not None:
                name, info = job
                finished = Operation(caller.organization_id, name, model.id, info)
                finished.succeed({"rows": rows, "batches": len(batches),
                                  "new_batches": len(new)})
            aggregates = [*new, *([finished] if finished else [])]
            try:
                position = self._save(*aggregates) if aggregates else None
            except Conflict:
                continue  # an identical publish recorded some batches meanwhile: look again
            return Published(rows, len(new), position, finished)
        raise Conflict("Identical publishes kept racing this one; send it again")

    def _recorded(self, batch: PredictionBatch | LabelBatch) -> bool:
        try:
            self._get(batch.id, type(batch))
        except NotFound:
            return False
        return True


def _digest(records: list[Any], fresh: bool) -> str:
    if fresh:
        return uuid4().hex
    return hashlib.sha256(msgspec.json.encode(records)).hexdigest()[:24]
