"""Recording rows: prediction batches, and late labels with the rows they name not seen yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import anyio.to_thread

from perfledger.api.errors import NotReady
from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.performance.records import LabelRecord, PredictionRecord
from perfledger.domain.values import BatchReceipt, Caller
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.queries import pending_row_ids


@dataclass(frozen=True)
class LabelsRecorded:
    accepted: int
    unknown_row_ids: list[str] | None  # None: the projection did not catch up in time to tell
    position: int


class Rows:
    def __init__(self, ledger: PerfLedger, read: ReadSide) -> None:
        self._ledger = ledger
        self._read = read

    def record_predictions(self, caller: Caller, model_id: UUID, version_id: str,
                           split: DatasetSplit, records: Sequence[PredictionRecord],
                           batch_id: str | None) -> tuple[BatchReceipt, int]:
        """The receipt and its position (a resent batch's first sending's)."""
        receipt = self._ledger.record_predictions(caller, model_id, version_id, split, records,
                                                  batch_id)
        return receipt, self._read.position_of(receipt)

    async def record_labels(self, caller: Caller, model_id: UUID, version_id: str,
                            split: DatasetSplit, labels: Sequence[LabelRecord],
                            batch_id: str | None) -> LabelsRecorded:
        receipt = await anyio.to_thread.run_sync(
            self._ledger.record_labels, caller, model_id, version_id, split, labels, batch_id)
        position = await anyio.to_thread.run_sync(self._read.position_of, receipt)
        try:
            await self._read.reach(["performance"], position)
        except NotReady:
            return LabelsRecorded(receipt.accepted, None, position)
        unknown = await anyio.to_thread.run_sync(
            pending_row_ids, self._read.database, str(model_id), version_id, str(split),
            [label.row_id for label in labels])
        return LabelsRecorded(receipt.accepted, unknown, position)
