"""The write-side service: verb_noun commands that append events and return positions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper

from domain.batches import LabelBatch, PredictionBatch
from domain.credentials import ApiKey, format_key, hash_secret, new_secret, parse_key
from domain.errors import Conflict, NotFound
from domain.model import Model
from domain.recompute import RecomputeRequest, RecomputeSlot
from domain.records import (
    LabelRecord,
    ModelTraits,
    PredictionRecord,
    label_columns,
    prediction_columns,
)
from domain.transcoder import FastZlibCompressor, MsgspecTranscoder
from domain.values import (
    BatchReceipt,
    Caller,
    ModelDefinition,
    check_model_definition,
    default_project_id,
)
from domain.vocabulary import DatasetSplit, VersionStatus

A = TypeVar("A", bound=Aggregate)


class PerfLedger(Application[UUID]):
    name = "perfledger"

    def construct_mapper(self) -> Mapper[UUID]:
        return Mapper(transcoder=MsgspecTranscoder(), compressor=FastZlibCompressor())

    # Models and versions.

    def register_model(self, caller: Caller, definition: ModelDefinition) -> tuple[Model, int]:
        check_model_definition(definition)
        model = Model(
            organization_id=caller.organization_id,
            project_id=definition.project_id or default_project_id(caller.organization_id),
            name=definition.name,
            task=str(definition.task),
            labels=list(definition.labels),
            positive_label=definition.positive_label,
            inputs=list(definition.inputs),
            description=definition.description,
            actor=caller.actor,
        )
        return model, self._save(model)

    def get_model(self, caller: Caller, model_id: UUID) -> Model:
        model = self._get(model_id, Model)
        if model.organization_id != caller.organization_id:
            raise NotFound(f"Model '{model_id}' not found")
        return model

    def create_version(
        self,
        caller: Caller,
        model_id: UUID,
        version_id: str | None,
        description: str = "",
        params: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        model = self.get_model(caller, model_id)
        version_id = version_id or f"ver-{secrets.token_hex(5)}"
        model.create_version(version_id, description, params or {}, caller.actor)
        return version_id, self._save(model)

    def change_version_status(
        self, caller: Caller, model_id: UUID, version_id: str, status: VersionStatus
    ) -> int:
        model = self.get_model(caller, model_id)
        model.change_version_status(version_id, status, caller.actor)
        return self._save(model)

    def promote_version(
        self, caller: Caller, model_id: UUID, version_id: str, reason: str = ""
    ) -> tuple[str | None, int]:
        model = self.get_model(caller, model_id)
        previous = model.promote_version(version_id, reason, caller.actor)
        return previous, self._save(model)

    # Predictions and labels.

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
        where = _batch_fields(caller, model_id, version_id, split, batch_id)
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
        where = _batch_fields(caller, model_id, version_id, split, batch_id)
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

    # Recompute requests.

    def request_recompute(
        self, caller: Caller, model_id: UUID, version_id: str | None, split: str | None
    ) -> tuple[RecomputeRequest, int | None]:
        """Queues a request, or answers the scope's pending one (position None then)."""
        model = self.get_model(caller, model_id)
        if version_id is not None:
            model.version_of(version_id)
        try:
            return self._queue_recompute(caller, model_id, version_id, split)
        except Conflict:  # a concurrent request for the same scope won the slot
            return self._queue_recompute(caller, model_id, version_id, split)

    def _queue_recompute(
        self, caller: Caller, model_id: UUID, version_id: str | None, split: str | None
    ) -> tuple[RecomputeRequest, int | None]:
        slot_id = RecomputeSlot.create_id(model_id, version_id, split)
        try:
            slot = self._get(slot_id, RecomputeSlot)
        except NotFound:
            slot = RecomputeSlot(model_id, version_id, split)
        if slot.pending is not None:
            pending = self._get(slot.pending, RecomputeRequest)
            if pending.is_pending:
                return pending, None
        request = RecomputeRequest(
            caller.organization_id, model_id, version_id, split, caller.actor
        )
        slot.take(request.id)
        return request, self._save(slot, request)

    def get_recompute_request(self, request_id: UUID) -> RecomputeRequest:
        return self._get(request_id, RecomputeRequest)

    def start_recompute(self, request_id: UUID, worker: str) -> RecomputeRequest | None:
        """Takes a request up; None when it is no longer pending or another worker raced us."""
        request = self._get(request_id, RecomputeRequest)
        try:
            request.start(worker)
            self._save(request)
        except Conflict:
            return None
        return request

    def finish_recompute(
        self, request_id: UUID, outcome: dict[str, Any] | None, failure: str | None = None
    ) -> int:
        request = self._get(request_id, RecomputeRequest)
        slot = self._get(
            RecomputeSlot.create_id(request.model_id, request.version_id, request.dataset_split),
            RecomputeSlot,
        )
        if failure is not None:
            request.fail(failure)
        else:
            request.complete(outcome or {})
        if slot.pending == request_id:
            slot.release(request_id)
        return self._save(request, slot)

    # API keys.

    def mint_api_key(self, caller: Caller, scopes: Sequence[str]) -> tuple[UUID, str]:
        secret = new_secret()
        key = ApiKey(caller.organization_id, list(scopes), hash_secret(secret), caller.actor)
        self._save(key)
        return key.id, format_key(key.id, secret)

    def revoke_api_key(self, key_id: UUID, actor: str) -> int:
        key = self._get(key_id, ApiKey)
        key.revoke(actor)
        return self._save(key)

    def find_api_key(self, presented: str) -> ApiKey | None:
        parsed = parse_key(presented)
        if parsed is None:
            return None
        key_id, secret = parsed
        try:
            key = self._get(key_id, ApiKey)
        except NotFound:
            return None
        return key if key.matches(secret) else None

    # Persistence helpers.

    def _save(self, *aggregates: Aggregate) -> int:
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise Conflict(
                "Concurrent modification: the resource changed meanwhile; retry"
            ) from None
        return recordings[-1].notification.id

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{kind.__name__} '{aggregate_id}' not found") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{kind.__name__} '{aggregate_id}' not found")
        return aggregate


def _batch_fields(
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
