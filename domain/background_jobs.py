"""Background operations (`/v3/jobs/{id}`): a delete, an upload, a publish, a deployment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class BackgroundJob(Aggregate):
    """What one background operation did; small ones finish before the request answers.

    A job that `awaits_projection` is saved together with the events whose projection is its
    work (a delete's purge of read models): it has succeeded once every projection has passed
    its own first event, which needs no further event and stays true after any rebuild.
    """

    @event("Started")
    def __init__(
        self,
        organization_id: str,
        name: str,
        subject_id: UUID | None,
        info: dict[str, Any],
        actor: str,
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

    @event("Succeeded")
    def _succeeded(self, info: dict[str, Any]) -> None:
        self.info.update(info)
        self.status = "SUCCESS"

    @event("Failed")
    def _failed(self, reason: str, message: str) -> None:
        self.status = "FAILURE"
        self.error_reason = reason
        self.error_message = message
