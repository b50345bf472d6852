"""Recompute requests: queued, taken up by a worker, completed or failed; one pending per scope."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict

SLOT_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/recompute-slots")
PENDING = ("queued", "in_progress")


class RecomputeRequest(Aggregate):
    """A request to recompute cached metrics and compare them with the cached ones."""

    @event("Requested")
    def __init__(self, organization_id: str, model_id: UUID, version_id: str | None,
                 dataset_split: str | None, actor: str) -> None:
        self.organization_id = organization_id
        self.model_id = model_id
        self.version_id = version_id
        self.dataset_split = dataset_split
        self.status = "queued"
        self.attempts = 0

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    def start(self, worker: str) -> None:
        if not self.is_pending:
            raise Conflict(f"Recompute request {self.id} is already {self.status}")
        self._started(worker, self.attempts + 1)

    @event("Started")
    def _started(self, worker: str, attempt: int) -> None:
        self.status = "in_progress"
        self.attempts = attempt

    @event("Completed")
    def complete(self, outcome: dict[str, Any]) -> None:
        self.status = "completed"

    @event("Failed")
    def fail(self, reason: str) -> None:
        self.status = "failed"


class RecomputeSlot(Aggregate):
    """Holds the pending request of one scope, so that duplicates find it instead."""

    @staticmethod
    def create_id(model_id: UUID, version_id: str | None, dataset_split: str | None) -> UUID:
        return uuid5(SLOT_NAMESPACE, f"{model_id}/{version_id or '*'}/{dataset_split or '*'}")

    @event("Opened")
    def __init__(self, model_id: UUID, version_id: str | None, dataset_split: str | None
                 ) -> None:
        self.pending: UUID | None = None

    @event("Taken")
    def take(self, request_id: UUID) -> None:
        self.pending = request_id

    @event("Released")
    def release(self, request_id: UUID) -> None:
        self.pending = None
