"""The event store every command group shares: the mapper, saving, and loading by id."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper

from perfledger.domain.errors import Conflict, NotFound
from perfledger.domain.transcoder import FastZlibCompressor, MsgspecTranscoder

A = TypeVar("A", bound=Aggregate)


class LedgerBase(Application[UUID]):
    """What every command group builds on; `PerfLedger` composes the groups."""

    def construct_mapper(self) -> Mapper[UUID]:
        return Mapper(transcoder=MsgspecTranscoder(), compressor=FastZlibCompressor())

    def _save(self, *aggregates: Aggregate) -> int:
        """Saves atomically; returns the position of the last event appended."""
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
