"""v2 metrics: a job's (filtered in SQL), its models' as last recomputed, and recomputing them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread

from perfledger.api.errors import NotReady
from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.commands.jobs import job_model_scope
from perfledger.domain.errors import NotFound
from perfledger.domain.jobs.aggregates import check_model_of_job
from perfledger.domain.metrics.decisions import OVERALL_FIELDS, in_decision_order
from perfledger.domain.recompute import JOB_MODEL, PENDING, RecomputeRequest, scope_key
from perfledger.domain.values import Caller
from perfledger.projections.jobs.filters import Filter
from perfledger.projections.jobs.metrics import TimeRange, job_metrics
from perfledger.projections.jobs.queries import JobRow, find_job
from perfledger.projections.recompute.queries import find_request, scope_state


@dataclass(frozen=True)
class JobAndModel:
    job: dict[str, Any]
    active_model: dict[str, Any]
    position: int


class JobMetrics:
    def __init__(self, ledger: PerfLedger, read: ReadSide,
                 wake_recompute: Callable[[], None]) -> None:
        self._ledger = ledger
        self._read = read
        self._wake_recompute = wake_recompute

    def job(self, organization_id: str, reference: str, window: TimeRange,
            filters: Sequence[Filter]) -> dict[str, Any]:
        job = find_job(self._read.database, organization_id, reference)
        return job_metrics(self._read.database, job, window, filters)

    def model(self, organization_id: str, reference: str, model_id: str | None
              ) -> dict[str, Any]:
        """The model's metrics as of its last completed recompute (null before the first);
        without a model id, the job's active model's."""
        job = find_job(self._read.database, organization_id, reference)
        return self._model(organization_id, job, model_id or job.active_model_id)

    async def request_recompute(self, caller: Caller, reference: str, model_id: str
                                ) -> tuple[int, RecomputeRequest]:
        """Queues (or joins) the pair's request: the job's integer id and the request."""

        def queue() -> tuple[int, RecomputeRequest]:
            job = self._ledger.get_job(caller, reference)
            request, _ = self._ledger.request_job_model_recompute(caller, job, model_id)
            return job.job_id, request

        return await anyio.to_thread.run_sync(queue)

    async def job_and_latest_model(
        self, caller: Caller, reference: str, window: TimeRange, filters: Sequence[Filter],
        recompute_within: float | None, min_position: int | None,
    ) -> JobAndModel:
        """The job's metrics and its active model's: recomputed now (within
        `recompute_within` seconds) when given, else as last recomputed."""
        await self._read.reach(["jobs"], min_position)
        database, organization = self._read.database, caller.organization_id
        job = await anyio.to_thread.run_sync(find_job, database, organization, reference)
        # The job metrics first: bad filters are refused before a recompute is queued.
        body = await anyio.to_thread.run_sync(job_metrics, database, job, window, filters)
        if job.active_model_id is not None and recompute_within is not None:
            await self._recompute_now(caller, job, job.active_model_id, recompute_within)
        position = self._read.position(["jobs", "recompute"])
        model = await anyio.to_thread.run_sync(self._model, organization, job,
                                               job.active_model_id)
        return JobAndModel(body, model, position)

    async def _recompute_now(self, caller: Caller, job: JobRow, model_id: str,
                             timeout: float) -> None:
        """Queues (or joins) the request, wakes the scheduler, and waits on the recompute
        projection until it shows the request finished (or `timeout` passes: the answer then
        says is_recomputing_metrics: true)."""
        deadline = time.monotonic() + timeout
        _, request = await self.request_recompute(caller, str(job.job_id), model_id)
        await anyio.to_thread.run_sync(self._wake_recompute)
        while not await anyio.to_thread.run_sync(self._finished, caller, request.id):
            seen = self._read.position(["recompute"])
            try:
                await self._read.reach(["recompute"], seen + 1, deadline - time.monotonic())
            except NotReady:
                return

    def _finished(self, caller: Caller, request_id: UUID) -> bool:
        try:
            row = find_request(self._read.database, caller.organization_id, str(request_id))
        except NotFound:  # not projected yet
            return False
        return row.status not in PENDING

    def _model(self, organization_id: str, job: JobRow, model_id: str | None) -> dict[str, Any]:
        if model_id is not None:
            check_model_of_job(job.job_id, job.model_ids, model_id)
        body: dict[str, Any] = {"model_id": model_id, "is_recomputing_metrics": False,
                                "last_recomputed_timestamp": None,
                                **dict.fromkeys(OVERALL_FIELDS), "metrics_per_decision": {}}
        if model_id is None:
            return body
        key = scope_key(JOB_MODEL, job_model_scope(job.job_key, model_id))
        state = scope_state(self._read.database, organization_id, key)
        body["is_recomputing_metrics"] = state.pending
        completed = state.latest_completed
        if completed is not None and completed.outcome is not None:
            body["last_recomputed_timestamp"] = completed.finished_at
            body.update({name: completed.outcome[name] for name in OVERALL_FIELDS})
            body["metrics_per_decision"] = in_decision_order(
                job.decisions, completed.outcome["metrics_per_decision"])
        return body
