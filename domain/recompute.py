"""Recompute requests: queued, taken up by a worker, completed or failed; one pending per scope."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, GainedActor, stored_as
from perfledger.domain.errors import Conflict

SLOT_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/recompute-slots")
PENDING = ("queued", "in_progress")
# What a request recomputes: a v1 model's cached summaries, or a v2 job model's metrics.
PERFORMANCE = "performance"
JOB_MODEL = "job_model"

Scope = dict[str, str | None]


def scope_key(target: str, scope: Scope) -> str:
    """One canonical string per scope: `target:name=value;...` ('*' for any)."""
    parts = ";".join(f"{name}={scope[name] or '*'}" for name in sorted(scope))
    return f"{target}:{parts}"


@stored_as("domain.recompute")
class RecomputeRequest(Aggregate):
    """A request to recompute cached metrics of one scope of one target."""

    class Requested(Aggregate.Created):
        organization_id: str
        target: str
        scope: Scope

    class Started(GainedActor, Aggregate.Event):
        worker: str
        attempt: int

    class Completed(GainedActor, Aggregate.Event):
        outcome: dict[str, Any]

    class Failed(GainedActor, Aggregate.Event):
        reason: str

    @event(Requested)
    def __init__(self, organization_id: str, target: str, scope: Scope) -> None:
        self.organization_id = organization_id
        self.target = target
        self.scope = scope
        self.status = "queued"
        self.attempts = 0

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def slot_id(self) -> UUID:
        return RecomputeSlot.create_id(scope_key(self.target, self.scope))

    def start(self, worker: str) -> None:
        if not self.is_pending:
            raise Conflict(f"Recompute request {self.id} is already {self.status}")
        self._started(worker, self.attempts + 1)

    @event(Started)
    def _started(self, worker: str, attempt: int) -> None:
        self.status = "in_progress"
        self.attempts = attempt

    @event(Completed)
    def complete(self, outcome: dict[str, Any]) -> None:
        self.status = "completed"

    @event(Failed)
    def fail(self, reason: str) -> None:
        self.status = "failed"


@stored_as("domain.recompute")
class RecomputeSlot(Aggregate):
    """Holds the pending request of one scope, so that duplicates find it instead."""

    class Opened(GainedActor, Aggregate.Created):
        key: str

    class Taken(GainedActor, Aggregate.Event):
        request_id: UUID

    class Released(GainedActor, Aggregate.Event):
        request_id: UUID

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(SLOT_NAMESPACE, key)

    @event(Opened)
    def __init__(self, key: str) -> None:
        self.pending: UUID | None = None

    @event(Taken)
    def take(self, request_id: UUID) -> None:
        self.pending = request_id

    def release(self, request_id: UUID) -> None:
        """Frees the slot if `request_id` holds it (a finished request that lost its slot to
        a later one leaves that one pending)."""
        if self.pending == request_id:
            self._released(request_id)

    @event(Released)
    def _released(self, request_id: UUID) -> None:
        self.pending = None
