"""v1 ingestion: prediction batches and late labels, one event per batch."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, post

from perfledger.api.auth import Principal, requires
from perfledger.api.ids import parse_id
from perfledger.api.services.rows import Rows
from perfledger.api.tenant_positions import shown
from perfledger.domain.performance.records import LabelRecord, PredictionRecord
from perfledger.domain.vocabulary import DatasetSplit

BatchId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class PredictionBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    dataset_split: DatasetSplit
    records: list[PredictionRecord]
    batch_id: BatchId | None = None


class PredictionsAccepted(msgspec.Struct):
    accepted: int
    batch_id: str
    position: int


class LabelBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    dataset_split: DatasetSplit
    labels: list[LabelRecord]
    batch_id: BatchId | None = None


class LabelsAccepted(msgspec.Struct):
    accepted: int
    unknown_row_ids: list[str] | None
    position: int


class RowsController(Controller):
    path = "/models/{model_id:str}/versions/{version_id:str}"
    tags = ["v1 ingestion"]
    guards = [requires("dataset:write")]

    @post("/predictions", operation_id="v1RecordPredictions", status_code=202,
          sync_to_thread=True)
    def record_predictions(
        self, model_id: str, version_id: str, data: PredictionBatchIn, principal: Principal,
        rows: Rows,
    ) -> PredictionsAccepted:
        receipt, position = rows.record_predictions(
            principal.caller, parse_id(model_id, "Model"), version_id, data.dataset_split,
            data.records, data.batch_id)
        return PredictionsAccepted(receipt.accepted, receipt.batch_id, shown(position))

    @post("/labels", operation_id="v1RecordLabels", status_code=202)
    async def record_labels(
        self, model_id: str, version_id: str, data: LabelBatchIn, principal: Principal,
        rows: Rows,
    ) -> LabelsAccepted:
        recorded = await rows.record_labels(
            principal.caller, parse_id(model_id, "Model"), version_id, data.dataset_split,
            data.labels, data.batch_id)
        return LabelsAccepted(recorded.accepted, recorded.unknown_row_ids,
                              shown(recorded.position))
