"""v1 ingestion: prediction batches and late labels, one event per batch."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
import msgspec
from litestar import Controller, post

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import position_of, published_at_least
from perfledger.api.errors import NotReady
from perfledger.api.ids import parse_id
from perfledger.domain.performance.records import LabelRecord, PredictionRecord
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.queries import pending_row_ids

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

    @post(
        "/predictions",
        guards=[requires("dataset:write")],
        operation_id="v1RecordPredictions",
        status_code=202,
        sync_to_thread=True,
    )
    def record_predictions(
        self,
        model_id: str,
        version_id: str,
        data: PredictionBatchIn,
        principal: Principal,
        container: Container,
    ) -> PredictionsAccepted:
        receipt = container.ledger.record_predictions(
            principal.caller,
            parse_id(model_id, "Model"),
            version_id,
            data.dataset_split,
            data.records,
            data.batch_id,
        )
        container.wake_catch_up()
        return PredictionsAccepted(
            receipt.accepted, receipt.batch_id, position_of(container, receipt)
        )

    @post(
        "/labels",
        guards=[requires("dataset:write")],
        operation_id="v1RecordLabels",
        status_code=202,
    )
    async def record_labels(
        self,
        model_id: str,
        version_id: str,
        data: LabelBatchIn,
        principal: Principal,
        container: Container,
    ) -> LabelsAccepted:
        model_uuid = parse_id(model_id, "Model")

        def record() -> tuple[int, int]:
            receipt = container.ledger.record_labels(
                principal.caller, model_uuid, version_id, data.dataset_split, data.labels,
                data.batch_id,
            )
            container.wake_catch_up()
            return receipt.accepted, position_of(container, receipt)

        accepted, position = await anyio.to_thread.run_sync(record)
        unknown = await unknown_rows(container, str(model_uuid), version_id, data, position)
        return LabelsAccepted(accepted, unknown, position)


async def unknown_rows(
    container: Container, model_id: str, version_id: str, data: LabelBatchIn, position: int
) -> list[str] | None:
    """Row ids that had no prediction once the labels were projected (None if not in time)."""
    try:
        await published_at_least(container, ["performance"], position)
    except NotReady:
        return None
    row_ids = [label.row_id for label in data.labels]
    return await anyio.to_thread.run_sync(
        pending_row_ids, container.database, model_id, version_id, str(data.dataset_split),
        row_ids,
    )
