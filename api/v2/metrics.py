"""v2 metrics: job metrics (filtered in SQL), cached model metrics, and their recompute."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import MinPosition, answer, reading
from perfledger.api.services.job_metrics import JobMetrics
from perfledger.api.tenant_positions import asked
from perfledger.api.v2.metric_shapes import (
    JobAndModelMetricsOut,
    JobMetricsOut,
    ModelMetricsOut,
    RecomputeQueued,
    shaped,
)
from perfledger.api.v2.params import positive_seconds, required, time_range
from perfledger.projections.jobs.filters import MISSING, Filter
from perfledger.projections.jobs.queries import format_instant

RECOMPUTE_SCOPE = "execute:recompute_model_metrics"


class FilterIn(msgspec.Struct, forbid_unknown_fields=True):
    field: str
    operator: str
    value: Any = msgspec.UNSET


class JobMetricsAsk(msgspec.Struct, forbid_unknown_fields=True):
    filters: list[FilterIn] = msgspec.field(default_factory=list)


def filters_of(data: JobMetricsAsk | None) -> list[Filter]:
    return [Filter(f.field, f.operator, MISSING if f.value is msgspec.UNSET else f.value)
            for f in (data.filters if data else [])]


class MetricsController(Controller):
    path = "/metrics"
    tags = ["v2 metrics"]

    @post("/job", guards=[requires("read:job_metrics")], operation_id="v2JobMetrics",
          status_code=200, sync_to_thread=True, dependencies={"position": reading("jobs")})
    def job(self, principal: Principal, job_metrics: JobMetrics, position: int,
            job_id: str | None = None, start_datetime: str | None = None,
            end_datetime: str | None = None, data: JobMetricsAsk | None = None
            ) -> Response[JobMetricsOut]:
        reference = required(job_id, "job_id", "Job ID")
        window = time_range(start_datetime, end_datetime)
        body = job_metrics.job(principal.organization_id, reference, window, filters_of(data))
        return answer(shaped(body, JobMetricsOut), position)

    @get("/model", guards=[requires("read:job_metrics")], operation_id="v2ModelMetrics",
         sync_to_thread=True, dependencies={"position": reading("jobs", "recompute")})
    def model(self, principal: Principal, job_metrics: JobMetrics, position: int,
              job_id: str | None = None, model_id: str | None = None
              ) -> Response[ModelMetricsOut]:
        """Without a model_id, the job's active model."""
        reference = required(job_id, "job_id", "Job ID")
        chosen = model_id.strip() if model_id and model_id.strip() else None
        body = job_metrics.model(principal.organization_id, reference, chosen)
        return answer(shaped(body, ModelMetricsOut), position)

    @post("/model/request_recompute_metrics",
          guards=[requires("read:job_metrics", RECOMPUTE_SCOPE)],
          operation_id="v2RequestRecomputeMetrics", status_code=200)
    async def request_recompute(self, principal: Principal, job_metrics: JobMetrics,
                                job_id: str | None = None, model_id: str | None = None
                                ) -> RecomputeQueued:
        """A request while one for the pair is pending answers that one's status instead."""
        reference = required(job_id, "job_id", "Job ID")
        model = required(model_id, "model_id", "Model ID")
        job, request = await job_metrics.request_recompute(principal.caller, reference, model)
        return RecomputeQueued("Metrics recomputation initiated successfully", job, model,
                               request.status, format_instant(request.created_on))

    @post("/job_and_latest_model", guards=[requires("read:job_metrics")],
          operation_id="v2JobAndLatestModelMetrics", status_code=200)
    async def job_and_latest_model(self, principal: Principal, job_metrics: JobMetrics,
                                   job_id: str | None = None, timeout_s: str | None = None,
                                   start_datetime: str | None = None,
                                   end_datetime: str | None = None,
                                   min_position: MinPosition = None,
                                   data: JobMetricsAsk | None = None
                                   ) -> Response[JobAndModelMetricsOut]:
        """Job metrics, and the active model's: recomputed now (within `timeout_s`) for a
        credential holding `execute:recompute_model_metrics`, else as last recomputed."""
        min_position = asked(min_position)  # the caller's token, as a position
        reference = required(job_id, "job_id", "Job ID")
        timeout = positive_seconds(timeout_s, "timeout_s", 120.0)
        window = time_range(start_datetime, end_datetime)
        # Recomputing appends events: only a credential allowed to ask for one does it.
        within = timeout if principal.has(RECOMPUTE_SCOPE) else None
        both = await job_metrics.job_and_latest_model(
            principal.caller, reference, window, filters_of(data), within, min_position)
        body = {**both.job, "active_model_metrics": both.active_model}
        return answer(shaped(body, JobAndModelMetricsOut), both.position)
