"""Incoming job events, validated whole and turned into the columns of one batch event."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from perfledger.domain.jobs.aggregates import Job
from perfledger.domain.timestamps import parse_timestamp, to_micros
from perfledger.domain.validation import (
    Problems,
    check_batch_size,
    check_finite,
    check_key_value,
    check_row_ids_unique,
)


class JobEventRecord(msgspec.Struct, forbid_unknown_fields=True):
    decision: str
    event_id: str | None = None
    timestamp: str | None = None
    confidence: float | None = None
    model_id: str | None = None
    bucket_id: str | None = None
    fields: dict[str, Any] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class JobEventColumns:
    event_ids: list[str]
    timestamps: list[int]
    decisions: list[str]
    confidences: list[float | None]
    model_ids: list[str | None]
    bucket_ids: list[str | None]
    fields: list[dict[str, Any]]


def job_event_columns(job: Job, records: Sequence[JobEventRecord], now: datetime
                      ) -> JobEventColumns:
    """Checks every record against the job, then fills in the defaults; fails naming all."""
    check_batch_size(len(records))
    problems = Problems()
    event_ids = [record.event_id if record.event_id is not None else str(uuid.uuid4())
                 for record in records]
    check_row_ids_unique(event_ids, problems, "event_id")
    timestamps: list[int] = []
    for index, record in enumerate(records):
        if record.decision not in job.decisions:
            problems.add(index, "decision",
                         f"decision '{record.decision[:100]}' is not one of {job.decisions}")
        if record.model_id is not None and record.model_id not in job.model_ids:
            problems.add(index, "model_id",
                         f"model_id '{record.model_id}' is not one of the job's models "
                         f"{job.model_ids}")
        check_finite(index, "confidence", record.confidence, problems)
        check_key_value(index, "bucket_id", record.bucket_id, problems)
        timestamps.append(_micros(index, record.timestamp, now, problems))
    problems.raise_if_any(f"Job {job.job_id} events")
    return JobEventColumns(
        event_ids=event_ids,
        timestamps=timestamps,
        decisions=[record.decision for record in records],
        confidences=[record.confidence for record in records],
        model_ids=[record.model_id or job.active_model_id for record in records],
        bucket_ids=[record.bucket_id for record in records],
        fields=[record.fields for record in records],
    )


def _micros(index: int, text: str | None, now: datetime, problems: Problems) -> int:
    if text is None:
        return to_micros(now)
    try:
        micros = to_micros(parse_timestamp(text))
    except ValueError as error:
        problems.add(index, "timestamp", str(error))
        return 0
    if micros < 0:
        problems.add(index, "timestamp", f"'{text}' is before 1970-01-01")
    return micros


def content_key(records: Sequence[JobEventRecord]) -> str:
    """A digest of the events as sent: what a batch key stands for."""
    return "sha256-" + hashlib.sha256(msgspec.json.encode(records)).hexdigest()[:32]


def batch_key_of(records: Sequence[JobEventRecord], batch_id: str | None) -> str:
    """The key that makes a resent batch a no-op.

    The sender's `batch_id` when given; else, when every event names its `event_id`, the
    content (the same events sent again are the same events). Events without ids and without
    a `batch_id` are new events each time they are sent: their ids default to new UUIDs.
    """
    if batch_id is not None:
        return batch_id
    if all(record.event_id is not None for record in records):
        return content_key(records)
    return f"unkeyed-{uuid.uuid4()}"
