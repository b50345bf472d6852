"""v3 background operations (at `/v3/jobs`): status, progress and outcome, after any purge."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get

from perfledger.api.auth import Principal, requires
from perfledger.api.ids import parse_id
from perfledger.api.services.operations import Operations
from perfledger.api.v3.envelope import Normal, normal


class JobOut(msgspec.Struct):
    id: str
    name: str
    status: str
    progress: float
    info: dict[str, Any]
    error_message: str | None
    error_reason: str | None


class OperationController(Controller):
    path = "/jobs"
    tags = ["v3 jobs"]

    @get("/{job_id:str}", guards=[requires("model:read")], operation_id="v3GetJob",
         sync_to_thread=True)
    def get_job(
        self, job_id: str, principal: Principal, operations: Operations, verbose: bool = False
    ) -> Normal[JobOut]:
        operation, status = operations.find(principal.caller, parse_id(job_id, "Job"))
        progress = 100.0 if status in ("SUCCESS", "FAILURE") else 0.0
        return normal(JobOut(str(operation.id), operation.name, status, progress,
                             operation.info, operation.error_message, operation.error_reason))
