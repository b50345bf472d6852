"""v2 events: single ingestion and export (under /api/v1/events), and analyst feedback."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from anyio.to_thread import run_sync as in_thread
from litestar import Controller, get, post, put

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, position_of, published_at_least
from perfledger.api.v2.errors import ParameterInvalid
from perfledger.api.v2.jobs import caught_up_job
from perfledger.api.v2.params import required
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.jobs.aggregates import Job
from perfledger.domain.jobs.incoming import JobEventRecord
from perfledger.projections.jobs.queries import event_exists, export_event, format_instant


class SingleEventIn(msgspec.Struct, forbid_unknown_fields=True):
    job_id: int | str
    raw_body: dict[str, Any]
    storage_tag: str | None = None


class SingleEventAccepted(msgspec.Struct):
    event_id: str
    job_id: int
    ingest_timestamp: str
    status: str
    position: int


class FeedbackAccepted(msgspec.Struct):
    status: str
    position: int


def record_of(job: Job, raw_body: dict[str, Any]) -> JobEventRecord:
    """Reads the decision from `raw_body.arcanna`; the rest of the body is the event's fields."""
    found = raw_body.get("arcanna")
    arcanna: dict[str, Any] = found if isinstance(found, dict) else {}
    label, confidence = arcanna.get("result_label"), arcanna.get("confidence")
    if not isinstance(label, str):
        raise InvalidInput("raw_body.arcanna.result_label (the decision) is required")
    model_id, bucket_id = arcanna.get("model_id"), arcanna.get("bucket_id")
    return JobEventRecord(
        decision=label, event_id=str(uuid.uuid4()),
        timestamp=format_instant(datetime.now(UTC)),
        confidence=confidence_of(confidence),
        # An exported event names its source job's model: here the job's active one decides.
        model_id=model_id if model_id in job.model_ids else None,
        bucket_id=str(bucket_id) if bucket_id is not None else None,
        fields={key: value for key, value in raw_body.items() if key != "arcanna"})


def confidence_of(value: Any) -> float | None:
    """A number, as a float; anything else is no confidence."""
    if not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        raise InvalidInput(
            "raw_body.arcanna.confidence is too large a number; send one between 0 and 1"
        ) from None


async def recorded_event(container: Container, job_key: str, event_id: str) -> bool:
    """Most feedback names an event projected long ago; wait for the log's head only if not."""
    if await in_thread(event_exists, container.database, job_key, event_id):
        return True
    head = await in_thread(container.engine.log.head)
    await published_at_least(container, ["jobs"], head)
    return await in_thread(event_exists, container.database, job_key, event_id)


class SingleEventController(Controller):
    path = "/"
    tags = ["v2 events"]

    @post("/", guards=[requires("write:events")], operation_id="v2IngestEvent",
          status_code=200, sync_to_thread=True)
    def ingest(self, data: SingleEventIn, principal: Principal, container: Container
               ) -> SingleEventAccepted:
        job = container.ledger.get_job(principal.caller, data.job_id)
        record = record_of(job, data.raw_body)
        event_ids, receipt = container.ledger.record_job_events(
            principal.caller, job, [record], batch_id=f"single/{record.event_id}")
        container.wake_catch_up()
        position = position_of(container, receipt)
        return SingleEventAccepted(event_ids[0], job.job_id, str(record.timestamp), "OK",
                                   position)

    @get("/{job_id:str}/{event_id:str}/export",
         guards=[requires_any("read:job_metrics", "read:event_export")],
         operation_id="v2ExportEvent")
    async def export(self, job_id: str, event_id: str, principal: Principal,
                     container: Container) -> Any:
        job = await caught_up_job(container, principal, job_id)
        position = container.engine.positions.lowest(["jobs"])
        event = await in_thread(export_event, container.database, job, event_id)
        return answer({"arcanna_event": event}, position)


class FeedbackController(Controller):
    path = "/events"
    tags = ["v2 events"]

    @put("/{job_id:str}/{event_id:str}/feedback", guards=[requires("write:event_feedback")],
         operation_id="v2GiveFeedback")
    async def give_feedback(self, job_id: str, event_id: str, principal: Principal,
                            container: Container, feedback_label: str | None = None,
                            user: str | None = None, storage_name: str | None = None
                            ) -> FeedbackAccepted:
        """Records one analyst's label; their latest label per event is the one that counts."""
        label = required(feedback_label, "feedback_label", "Feedback label")
        job = await in_thread(container.ledger.get_job, principal.caller, job_id)
        if label not in job.decisions:
            raise ParameterInvalid("query", "feedback_label",
                                   f"'{label}' is not one of the job's decisions {job.decisions}")
        if not await recorded_event(container, str(job.id), event_id):
            raise NotFound("Event not found", {
                "details": f"Event '{event_id}' not found in job '{job.job_id}'"})

        def give() -> int:
            position = container.ledger.give_feedback(
                principal.caller, job, event_id, label, (user or "").strip() or principal.subject)
            container.wake_catch_up()
            return position

        return FeedbackAccepted("OK", await in_thread(give))
