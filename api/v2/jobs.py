"""v2 jobs: create and read jobs, record batches of decided events, train a new model."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post

from perfledger.api.auth import ADMIN, Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.services.jobs import Jobs
from perfledger.api.tenant_positions import shown
from perfledger.domain.jobs.incoming import JobEventRecord
from perfledger.projections.database import Database
from perfledger.projections.jobs.queries import JobRow, find_job, list_jobs

BatchId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Decision = Annotated[str, msgspec.Meta(min_length=1)]


class JobCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    decisions: list[Decision]
    minutes_per_event: float = 0.25


class JobOut(msgspec.Struct, omit_defaults=True):
    job_id: int
    title: str
    decisions: list[str]
    minutes_per_event: float
    active_model_id: str | None
    all_model_ids: list[str]
    created_at: str | None = None
    position: int | None = None


class JobEventsIn(msgspec.Struct, forbid_unknown_fields=True):
    events: list[JobEventRecord]
    batch_id: BatchId | None = None


class JobEventsAccepted(msgspec.Struct):
    accepted: int
    event_ids: list[str]
    position: int


class Trained(msgspec.Struct):
    status: str
    model_id: str
    knowledge_base_size: int
    position: int


READS = {"position": reading("jobs")}


class JobController(Controller):
    path = "/jobs"
    tags = ["v2 jobs"]

    @post("/", guards=[requires_any("write:jobs", ADMIN)], operation_id="v2CreateJob",
          status_code=201)
    async def create_job(self, data: JobCreate, principal: Principal, jobs: Jobs) -> JobOut:
        job, position = await jobs.create(principal.caller, data.title.strip(), data.decisions,
                                          data.minutes_per_event)
        return JobOut(job.job_id, job.title, job.decisions, job.minutes_per_event, None, [],
                      None, shown(position))

    @get("/", guards=[requires("read:job_metrics")], operation_id="v2ListJobs",
         sync_to_thread=True, dependencies=READS)
    def list_jobs(self, principal: Principal, database: Database, position: int
                  ) -> Response[list[JobOut]]:
        jobs = list_jobs(database, principal.organization_id)
        return answer([job_out(job) for job in jobs], position)

    @get("/{job_id:str}", guards=[requires("read:job_metrics")], operation_id="v2GetJob",
         sync_to_thread=True, dependencies=READS)
    def get_job(self, job_id: str, principal: Principal, database: Database, position: int
                ) -> Response[JobOut]:
        return answer(job_out(find_job(database, principal.organization_id, job_id)), position)

    @post("/{job_id:str}/events", guards=[requires("write:events")],
          operation_id="v2RecordJobEvents", status_code=202, sync_to_thread=True)
    def record_events(self, job_id: str, data: JobEventsIn, principal: Principal, jobs: Jobs
                      ) -> JobEventsAccepted:
        """One domain event for the whole batch; resending the same batch is a no-op."""
        event_ids, accepted, position = jobs.record_events(
            principal.caller, job_id, data.events, data.batch_id)
        return JobEventsAccepted(accepted, event_ids, shown(position))

    @post("/{job_id:str}/train", guards=[requires("execute:job_operations")],
          operation_id="v2TrainJob", status_code=200)
    async def train(self, job_id: str, principal: Principal, jobs: Jobs) -> Trained:
        """Captures every event's current consensus as a new model's knowledge base."""
        model_id, captured, position = await jobs.train(principal.caller, job_id)
        return Trained("OK", model_id, captured, shown(position))


def job_out(job: JobRow) -> JobOut:
    return JobOut(job.job_id, job.title, job.decisions, job.minutes_per_event,
                  job.active_model_id, job.model_ids, job.created_at)
