"""v2 metrics: job metrics (filtered in SQL), cached model metrics, and their recompute."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from uuid import UUID

import msgspec
from anyio.to_thread import run_sync as in_thread
from litestar import Controller, Response, get, post

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import MinPosition, answer, published_at_least, reading
from perfledger.api.errors import NotReady
from perfledger.api.v2.params import positive_seconds, required, time_range
from perfledger.domain.commands.jobs import job_model_scope
from perfledger.domain.jobs.aggregates import check_model_of_job
from perfledger.domain.recompute import JOB_MODEL, scope_key
from perfledger.projections.jobs.filters import MISSING, Filter
from perfledger.projections.jobs.metrics import job_metrics
from perfledger.projections.jobs.queries import JobRow, find_job, format_instant
from perfledger.projections.jobs.scores import in_decision_order
from perfledger.projections.recompute.queries import scope_state

METRIC_FIELDS = ("overall_accuracy", "overall_f1_score", "overall_recall", "overall_precision",
                 "confusion_matrix", "metrics_per_decision")
RECOMPUTE_POLL_SECONDS = 0.05
RECOMPUTE_SCOPE = "execute:recompute_model_metrics"


class FilterIn(msgspec.Struct, forbid_unknown_fields=True):
    field: str
    operator: str
    value: Any = msgspec.UNSET


class JobMetricsAsk(msgspec.Struct, forbid_unknown_fields=True):
    filters: list[FilterIn] = msgspec.field(default_factory=list)


class RecomputeQueued(msgspec.Struct):
    message: str
    job_id: int
    model_id: str
    status: str
    requested_at: str


def filters_of(data: JobMetricsAsk | None) -> list[Filter]:
    return [Filter(f.field, f.operator, MISSING if f.value is msgspec.UNSET else f.value)
            for f in (data.filters if data else [])]


def model_metrics(container: Container, organization_id: str, job: JobRow,
                  model_id: str | None) -> dict[str, Any]:
    """The model's metrics as of its last completed recompute (null before the first)."""
    if model_id is not None:
        check_model_of_job(job.job_id, job.model_ids, model_id)
    body: dict[str, Any] = {"model_id": model_id, "is_recomputing_metrics": False,
                            "last_recomputed_timestamp": None,
                            **dict.fromkeys(METRIC_FIELDS), "metrics_per_decision": {}}
    if model_id is None:
        return body
    key = scope_key(JOB_MODEL, job_model_scope(job.job_key, model_id))
    state = scope_state(container.database, organization_id, key)
    body["is_recomputing_metrics"] = state.pending
    if state.latest_completed is not None and state.latest_completed.outcome is not None:
        outcome = state.latest_completed.outcome
        body["last_recomputed_timestamp"] = state.latest_completed.finished_at
        body.update({name: outcome[name] for name in METRIC_FIELDS})
        body["metrics_per_decision"] = in_decision_order(job.decisions,
                                                         outcome["metrics_per_decision"])
    return body


class MetricsController(Controller):
    path = "/metrics"
    tags = ["v2 metrics"]

    @post("/job", guards=[requires("read:job_metrics")], operation_id="v2JobMetrics",
          status_code=200, sync_to_thread=True, dependencies={"position": reading("jobs")})
    def job(self, principal: Principal, container: Container, position: int,
            job_id: str | None = None, start_datetime: str | None = None,
            end_datetime: str | None = None, data: JobMetricsAsk | None = None
            ) -> Response[Any]:
        reference = required(job_id, "job_id", "Job ID")
        window = time_range(start_datetime, end_datetime)
        job = find_job(container.database, principal.organization_id, reference)
        return answer(job_metrics(container.database, job, window, filters_of(data)), position)

    @get("/model", guards=[requires("read:job_metrics")], operation_id="v2ModelMetrics",
         sync_to_thread=True, dependencies={"position": reading("jobs", "recompute")})
    def model(self, principal: Principal, container: Container, position: int,
              job_id: str | None = None, model_id: str | None = None) -> Response[Any]:
        """Without a model_id, the job's active model."""
        reference = required(job_id, "job_id", "Job ID")
        job = find_job(container.database, principal.organization_id, reference)
        chosen = model_id.strip() if model_id and model_id.strip() else job.active_model_id
        return answer(model_metrics(container, principal.organization_id, job, chosen), position)

    @post("/model/request_recompute_metrics",
          guards=[requires("read:job_metrics", RECOMPUTE_SCOPE)],
          operation_id="v2RequestRecomputeMetrics", status_code=200, sync_to_thread=True)
    def request_recompute(self, principal: Principal, container: Container,
                          job_id: str | None = None, model_id: str | None = None
                          ) -> RecomputeQueued:
        """A request while one for the pair is pending answers that one's status instead."""
        reference = required(job_id, "job_id", "Job ID")
        model = required(model_id, "model_id", "Model ID")
        job = container.ledger.get_job(principal.caller, reference)
        request, _ = container.ledger.request_job_model_recompute(principal.caller, job, model)
        container.wake_catch_up()
        return RecomputeQueued("Metrics recomputation initiated successfully", job.job_id, model,
                               request.status, format_instant(request.created_on))

    @post("/job_and_latest_model", guards=[requires("read:job_metrics")],
          operation_id="v2JobAndLatestModelMetrics", status_code=200)
    async def job_and_latest_model(self, principal: Principal, container: Container,
                                   job_id: str | None = None, timeout_s: str | None = None,
                                   start_datetime: str | None = None,
                                   end_datetime: str | None = None,
                                   min_position: MinPosition = None,
                                   data: JobMetricsAsk | None = None) -> Response[Any]:
        """Job metrics, and the active model's: recomputed now (within `timeout_s`) for a
        credential holding `execute:recompute_model_metrics`, else as last recomputed."""
        reference = required(job_id, "job_id", "Job ID")
        timeout = positive_seconds(timeout_s, "timeout_s", 120.0)
        window = time_range(start_datetime, end_datetime)
        await published_at_least(container, ["jobs"], min_position)
        job = await in_thread(find_job, container.database, principal.organization_id, reference)
        # The job metrics first: bad filters are refused before a recompute is queued.
        body = await in_thread(job_metrics, container.database, job, window, filters_of(data))
        # Recomputing appends events: only a credential allowed to ask for one does it.
        if job.active_model_id is not None and principal.has(RECOMPUTE_SCOPE):
            await recompute_now(container, principal, job, job.active_model_id, timeout)
        position = container.engine.positions.lowest(["jobs", "recompute"])
        body["active_model_metrics"] = await in_thread(
            model_metrics, container, principal.organization_id, job, job.active_model_id)
        return answer(body, position)


async def recompute_now(container: Container, principal: Principal, job: JobRow, model_id: str,
                        timeout: float) -> None:
    """Queues (or joins) the pair's request, wakes the scheduler's job and awaits the outcome."""
    deadline = time.monotonic() + timeout
    ledger = container.ledger

    def queue() -> UUID:
        aggregate = ledger.get_job(principal.caller, job.job_id)
        request, _ = ledger.request_job_model_recompute(principal.caller, aggregate, model_id)
        container.wake_catch_up()
        container.wake_recompute()
        return request.id

    request_id = await in_thread(queue)
    while (await in_thread(ledger.get_recompute_request, request_id)).is_pending:
        if time.monotonic() >= deadline:
            return  # the answer then says is_recomputing_metrics: true
        await asyncio.sleep(RECOMPUTE_POLL_SECONDS)
    head = await in_thread(container.engine.log.head)
    await in_thread(container.wake_catch_up)
    with contextlib.suppress(NotReady):
        await published_at_least(container, ["recompute"], head)
