"""Name claims: one small aggregate per unique name, so uniqueness holds in the event store."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, GainedActor, stored_as
from perfledger.domain.errors import Conflict

CLAIM_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/name-claims")


@stored_as("domain.claims")
class NameClaim(Aggregate):
    """Holds a unique name for one holder; two creations of the same claim cannot both commit."""

    class Taken(GainedActor, Aggregate.Created):
        kind: str
        organization_id: str
        name: str
        holder: UUID

    class Retaken(GainedActor, Aggregate.Event):
        holder: UUID

    class Released(GainedActor, Aggregate.Event):
        holder: UUID

    @staticmethod
    def create_id(kind: str, organization_id: str, name: str) -> UUID:
        return uuid5(CLAIM_NAMESPACE, f"{kind}/{organization_id}/{name}")

    @event(Taken)
    def __init__(self, kind: str, organization_id: str, name: str, holder: UUID) -> None:
        self.holder: UUID | None = holder

    def take(self, holder: UUID, what: str) -> None:
        if self.holder is not None and self.holder != holder:
            raise Conflict(f"{what} already exists", {"existing_id": str(self.holder)})
        if self.holder is None:
            self._retaken(holder)

    def release(self, holder: UUID) -> None:
        if self.holder == holder:
            self._released(holder)

    @event(Retaken)
    def _retaken(self, holder: UUID) -> None:
        self.holder = holder

    @event(Released)
    def _released(self, holder: UUID) -> None:
        self.holder = None
