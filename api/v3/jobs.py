"""v3 background operations: status, progress and outcome, readable after any purge."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.ids import parse_id
from perfledger.api.v3.envelope import Normal, normal
from perfledger.domain.catalog.operations import Operation


class JobOut(msgspec.Struct):
    id: str
    name: str
    status: str
    progress: float
    info: dict[str, Any]
    error_message: str | None
    error_reason: str | None


class JobController(Controller):
    path = "/jobs"
    tags = ["v3 jobs"]

    @get("/{job_id:str}", guards=[requires("model:read")], operation_id="v3GetJob",
         sync_to_thread=True)
    def get_job(
        self, job_id: str, principal: Principal, container: Container, verbose: bool = False
    ) -> Normal[JobOut]:
        job = container.ledger.get_operation(principal.caller, parse_id(job_id, "Job"))
        status = _status(container, job)
        progress = 100.0 if status in ("SUCCESS", "FAILURE") else 0.0
        return normal(
            JobOut(str(job.id), job.name, status, progress, job.info, job.error_message,
                   job.error_reason)
        )


def _status(container: Container, job: Operation) -> str:
    """A job awaiting the projections has succeeded once all of them passed its first event."""
    if job.status != "STARTED" or not job.awaits_projection:
        return job.status
    started_at = container.engine.log.position_of_first_event(job.id)
    published = container.engine.published_position(list(container.engine.projections))
    return "SUCCESS" if started_at is not None and published >= started_at else "STARTED"
