"""v2 jobs: create and read jobs, record batches of decided events, train a new model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from anyio.to_thread import run_sync as in_thread
from litestar import Controller, Response, get, post

from perfledger.api.auth import ADMIN, Principal, requires, requires_any
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, position_of, published_at_least, reading
from perfledger.domain.jobs.incoming import JobEventRecord
from perfledger.projections.jobs.queries import JobRow, consensus_now, find_job, list_jobs

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


def job_out(job: JobRow) -> JobOut:
    return JobOut(job.job_id, job.title, job.decisions, job.minutes_per_event,
                  job.active_model_id, job.model_ids, job.created_at)


async def caught_up_job(container: Container, principal: Principal, reference: str) -> JobRow:
    """The job as the read model has it once it holds everything appended so far (<= 5 s)."""
    head = await in_thread(container.engine.log.head)
    await published_at_least(container, ["jobs"], head)
    return await in_thread(find_job, container.database, principal.organization_id, reference)


class JobController(Controller):
    path = "/jobs"
    tags = ["v2 jobs"]

    @post("/", guards=[requires_any("write:jobs", ADMIN)], operation_id="v2CreateJob",
          status_code=201, sync_to_thread=True)
    def create_job(self, data: JobCreate, principal: Principal, container: Container) -> JobOut:
        job, position = container.ledger.create_job(
            principal.caller, data.title.strip(), data.decisions, data.minutes_per_event)
        container.wake_catch_up()
        return JobOut(job.job_id, job.title, job.decisions, job.minutes_per_event, None, [],
                      None, position)

    @get("/", guards=[requires("read:job_metrics")], operation_id="v2ListJobs",
         sync_to_thread=True, dependencies={"position": reading("jobs")})
    def list_jobs(self, principal: Principal, container: Container, position: int
                  ) -> Response[list[JobOut]]:
        jobs = list_jobs(container.database, principal.organization_id)
        return answer([job_out(job) for job in jobs], position)

    @get("/{job_id:str}", guards=[requires("read:job_metrics")], operation_id="v2GetJob",
         sync_to_thread=True, dependencies={"position": reading("jobs")})
    def get_job(self, job_id: str, principal: Principal, container: Container, position: int
                ) -> Response[JobOut]:
        job = find_job(container.database, principal.organization_id, job_id)
        return answer(job_out(job), position)

    @post("/{job_id:str}/events", guards=[requires("write:events")],
          operation_id="v2RecordJobEvents", status_code=202, sync_to_thread=True)
    def record_events(self, job_id: str, data: JobEventsIn, principal: Principal,
                      container: Container) -> JobEventsAccepted:
        """One domain event for the whole batch; resending the same batch is a no-op."""
        job = container.ledger.get_job(principal.caller, job_id)
        event_ids, receipt = container.ledger.record_job_events(
            principal.caller, job, data.events, data.batch_id)
        container.wake_catch_up()
        return JobEventsAccepted(receipt.accepted, event_ids, position_of(container, receipt))

    @post("/{job_id:str}/train", guards=[requires("execute:job_operations")],
          operation_id="v2TrainJob", status_code=200)
    async def train(self, job_id: str, principal: Principal, container: Container) -> Trained:
        """Captures every event's current consensus as a new model's knowledge base."""
        job = await in_thread(container.ledger.get_job, principal.caller, job_id)
        row = await caught_up_job(container, principal, str(job.job_id))

        def train() -> tuple[str, int, int]:
            consensus = consensus_now(container.database, row)
            model_id, position = container.ledger.train_job(
                principal.caller, job, consensus, datetime.now(UTC))
            container.wake_catch_up()
            return model_id, len(consensus), position

        model_id, captured, position = await in_thread(train)
        return Trained("OK", model_id, captured, position)
