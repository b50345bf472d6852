"""v2 jobs' use cases that read what was recorded: feedback, training, export."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread

from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.jobs.aggregates import Job
from perfledger.domain.jobs.incoming import JobEventRecord
from perfledger.domain.values import Caller
from perfledger.projections.jobs.queries import (
    JobRow,
    consensus_now,
    event_exists,
    export_event,
    find_job,
    format_instant,
)


class Jobs:
    def __init__(self, ledger: PerfLedger, read: ReadSide) -> None:
        self._ledger = ledger
        self._read = read

    async def create(self, caller: Caller, title: str, decisions: Sequence[str],
                     minutes_per_event: float) -> tuple[Job, int]:
        return await anyio.to_thread.run_sync(
            self._ledger.create_job, caller, title, decisions, minutes_per_event)

    def record_events(self, caller: Caller, reference: str | int,
                      records: Sequence[JobEventRecord], batch_id: str | None
                      ) -> tuple[list[str], int, int]:
        """One domain event for the whole batch: the event ids, how many, and the position (a
        resent batch answers its first sending's)."""
        job = self._ledger.get_job(caller, reference)
        event_ids, receipt = self._ledger.record_job_events(caller, job, records, batch_id)
        return event_ids, receipt.accepted, self._read.position_of(receipt)

    def ingest_one(self, caller: Caller, reference: str | int, raw_body: dict[str, Any]
                   ) -> Ingested:
        """One event in Arcanna's shape: its decision (and confidence, model, bucket) under
        `raw_body.arcanna`, the rest of the body its fields. It gets a new id and the time now."""
        job = self._ledger.get_job(caller, reference)
        record = _record_of(job, raw_body)
        event_ids, receipt = self._ledger.record_job_events(
            caller, job, [record], batch_id=f"single/{record.event_id}")
        return Ingested(event_ids[0], job.job_id, str(record.timestamp),
                        self._read.position_of(receipt))

    async def current(self, caller: Caller, reference: str) -> JobRow:
        """The job as the read model has it once it holds everything recorded so far."""
        await self._read.catch_up(["jobs"])
        return await anyio.to_thread.run_sync(
            find_job, self._read.database, caller.organization_id, reference)

    async def give_feedback(self, caller: Caller, reference: str, event_id: str, label: str,
                            user: str) -> int:
        """Records one analyst's label; their latest label per event is the one that counts.
        A label that is not one of the job's decisions names the `feedback_label` parameter."""
        job = await anyio.to_thread.run_sync(self._ledger.get_job, caller, reference)
        if label not in job.decisions:
            raise InvalidInput(f"'{label}' is not one of the job's decisions {job.decisions}",
                               {"parameter": "feedback_label"})
        if not await self._recorded_event(str(job.id), event_id):
            raise NotFound("Event not found",
                           {"details": f"Event '{event_id}' not found in job '{job.job_id}'"})
        return await anyio.to_thread.run_sync(
            self._ledger.give_feedback, caller, job, event_id, label, user)

    async def train(self, caller: Caller, reference: str) -> tuple[str, int, int]:
        """Captures every event's current consensus as a new model's knowledge base: the new
        model id, how many events it captured, and the position."""
        job = await anyio.to_thread.run_sync(self._ledger.get_job, caller, reference)
        row = await self.current(caller, str(job.job_id))

        def train() -> tuple[str, int, int]:
            consensus = consensus_now(self._read.database, row)
            model_id, position = self._ledger.train_job(caller, job, consensus, datetime.now(UTC))
            return model_id, len(consensus), position

        return await anyio.to_thread.run_sync(train)

    async def export(self, caller: Caller, reference: str, event_id: str
                     ) -> tuple[dict[str, Any], int]:
        """The stored event as it would be ingested again, and the position read at."""
        job = await self.current(caller, reference)
        position = self._read.position(["jobs"])
        event = await anyio.to_thread.run_sync(export_event, self._read.database, job, event_id)
        return event, position

    async def _recorded_event(self, job_key: str, event_id: str) -> bool:
        """Most feedback names an event projected long ago; wait for the log's head only if not."""
        database = self._read.database
        if await anyio.to_thread.run_sync(event_exists, database, job_key, event_id):
            return True
        await self._read.catch_up(["jobs"])
        return await anyio.to_thread.run_sync(event_exists, database, job_key, event_id)


@dataclass(frozen=True)
class Ingested:
    event_id: str
    job_id: int
    timestamp: str
    position: int


def _record_of(job: Job, raw_body: dict[str, Any]) -> JobEventRecord:
    found = raw_body.get("arcanna")
    arcanna: dict[str, Any] = found if isinstance(found, dict) else {}
    label, confidence = arcanna.get("result_label"), arcanna.get("confidence")
    if not isinstance(label, str):
        raise InvalidInput("raw_body.arcanna.result_label (the decision) is required")
    model_id, bucket_id = arcanna.get("model_id"), arcanna.get("bucket_id")
    return JobEventRecord(
        decision=label, event_id=str(uuid.uuid4()),
        timestamp=format_instant(datetime.now(UTC)),
        confidence=_confidence_of(confidence),
        # An exported event names its source job's model: here the job's active one decides.
        model_id=model_id if model_id in job.model_ids else None,
        bucket_id=str(bucket_id) if bucket_id is not None else None,
        fields={key: value for key, value in raw_body.items() if key != "arcanna"})


def _confidence_of(value: Any) -> float | None:
    """A number, as a float; anything else is no confidence."""
    if not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        raise InvalidInput(
            "raw_body.arcanna.confidence is too large a number; send one between 0 and 1"
        ) from None
