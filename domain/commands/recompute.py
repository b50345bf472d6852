"""Commands on recompute requests: queue (one pending per scope), start, finish."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from perfledger.domain.commands.models import ModelCommands
from perfledger.domain.errors import Conflict, NotFound
from perfledger.domain.recompute import (
    PERFORMANCE,
    RecomputeRequest,
    RecomputeSlot,
    Scope,
    scope_key,
)
from perfledger.domain.values import Caller


class RecomputeCommands(ModelCommands):
    def request_recompute(
        self, caller: Caller, model_id: UUID, version_id: str | None, split: str | None
    ) -> tuple[RecomputeRequest, int | None]:
        """Queues a request for a v1 model's cached summaries (or answers the pending one)."""
        model = self.get_model(caller, model_id)
        if version_id is not None:
            model.version_of(version_id)
        scope: Scope = {"model_id": str(model_id), "version_id": version_id,
                        "dataset_split": split}
        return self.queue_recompute(caller, PERFORMANCE, scope)

    def queue_recompute(
        self, caller: Caller, target: str, scope: Scope
    ) -> tuple[RecomputeRequest, int | None]:
        """Queues a request, or answers the scope's pending one (position None then)."""
        try:
            return self._queue_recompute(caller, target, scope)
        except Conflict:  # a concurrent request for the same scope won the slot
            return self._queue_recompute(caller, target, scope)

    def _queue_recompute(
        self, caller: Caller, target: str, scope: Scope
    ) -> tuple[RecomputeRequest, int | None]:
        key = scope_key(target, scope)
        try:
            slot = self._get(RecomputeSlot.create_id(key), RecomputeSlot)
        except NotFound:
            slot = RecomputeSlot(key)
        if slot.pending is not None:
            pending = self._get(slot.pending, RecomputeRequest)
            if pending.is_pending:
                return pending, None
        request = RecomputeRequest(caller.organization_id, target, scope)
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
        slot = self._get(request.slot_id, RecomputeSlot)
        if failure is not None:
            request.fail(failure)
        else:
            request.complete(outcome or {})
        slot.release(request_id)
        return self._save(request, slot)
