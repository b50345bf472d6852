"""v3 background operations (its `/v3/jobs`): what they did, and whether they are done."""

from __future__ import annotations

from uuid import UUID

from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.values import Caller


class Operations:
    def __init__(self, ledger: PerfLedger, read: ReadSide) -> None:
        self._ledger = ledger
        self._read = read

    def find(self, caller: Caller, operation_id: UUID) -> tuple[Operation, str]:
        """The operation and its status: one awaiting the projections has succeeded once all
        of them have passed its first event."""
        operation = self._ledger.get_operation(caller, operation_id)
        if operation.status != "STARTED" or not operation.awaits_projection:
            return operation, operation.status
        started_at = self._read.engine.log.position_of_first_event(operation.id)
        visible = self._read.engine.visible_position(list(self._read.engine.projections))
        done = started_at is not None and visible >= started_at
        return operation, "SUCCESS" if done else "STARTED"
