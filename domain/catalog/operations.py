"""Background operations (`/v3/jobs/{id}`): a delete, an upload, a publish, a deployment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, GainedActor, stored_as


@stored_as("domain.background_jobs", "BackgroundJob")
class Operation(Aggregate):
    """What one background operation did; small ones finish before the request answers.

    An operation that `awaits_projection` is saved together with the events whose projection
    is its work (a delete's purge of read models): it has succeeded once every projection has
    passed its own first event, which needs no further event and stays true after a rebuild.
    (The v3 dialect calls these jobs; they are unrelated to v2 jobs.) Stored under its first
    name, `BackgroundJob`.
    """

    class Started(Aggregate.Created):
        organization_id: str
        name: str
        subject_id: UUID | None
        info: dict[str, Any]
        awaits_projection: bool

    class Succeeded(GainedActor, Aggregate.Event):
        info: dict[str, Any]

    class Failed(GainedActor, Aggregate.Event):
        reason: str
        message: str

    @event(Started)
    def __init__(
        self,
        organization_id: str,
        name: str,
        subject_id: UUID | None,
        info: dict[str, Any],
        awaits_projection: bool = False,
    ) -> None:
        self.organization_id = organization_id
        self.name = name
        self.subject_id = subject_id
        self.info = dict(info)
        self.awaits_projection = awaits_projection
        self.status = "STARTED"
        self.error_message: str | None = None
        self.error_reason: str | None = None

    def succeed(self, info: dict[str, Any]) -> None:
        self._succeeded(info)

    def fail(self, reason: str, message: str) -> None:
        self._failed(reason, message)

    @event(Succeeded)
    def _succeeded(self, info: dict[str, Any]) -> None:
        self.info.update(info)
        self.status = "SUCCESS"

    @event(Failed)
    def _failed(self, reason: str, message: str) -> None:
        self.status = "FAILURE"
        self.error_reason = reason
        self.error_message = message
