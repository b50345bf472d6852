"""v2 events: single ingestion and export (under /api/v1/events), and analyst feedback."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post, put

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer
from perfledger.api.services.jobs import Jobs
from perfledger.api.tenant_positions import shown
from perfledger.api.v2.params import required


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


class ExportedEvent(msgspec.Struct):
    arcanna_event: dict[str, Any]


class FeedbackAccepted(msgspec.Struct):
    status: str
    position: int


class SingleEventController(Controller):
    path = "/"
    tags = ["v2 events"]

    @post("/", guards=[requires("write:events")], operation_id="v2IngestEvent",
          status_code=200, sync_to_thread=True)
    def ingest(self, data: SingleEventIn, principal: Principal, jobs: Jobs
               ) -> SingleEventAccepted:
        """The decision is read from `raw_body.arcanna`; the rest of the body is the fields."""
        ingested = jobs.ingest_one(principal.caller, data.job_id, data.raw_body)
        return SingleEventAccepted(ingested.event_id, ingested.job_id, ingested.timestamp, "OK",
                                   shown(ingested.position))

    @get("/{job_id:str}/{event_id:str}/export",
         guards=[requires_any("read:job_metrics", "read:event_export")],
         operation_id="v2ExportEvent")
    async def export(self, job_id: str, event_id: str, principal: Principal, jobs: Jobs
                     ) -> Response[ExportedEvent]:
        event, position = await jobs.export(principal.caller, job_id, event_id)
        return answer(ExportedEvent(event), position)


class FeedbackController(Controller):
    path = "/events"
    tags = ["v2 events"]
    guards = [requires("write:event_feedback")]

    @put("/{job_id:str}/{event_id:str}/feedback", operation_id="v2GiveFeedback")
    async def give_feedback(self, job_id: str, event_id: str, principal: Principal, jobs: Jobs,
                            feedback_label: str | None = None, user: str | None = None,
                            storage_name: str | None = None) -> FeedbackAccepted:
        """Records one analyst's label; their latest label per event is the one that counts.
        Without `user`, the credential's subject gave it."""
        label = required(feedback_label, "feedback_label", "Feedback label")
        analyst = (user or "").strip() or principal.subject
        position = await jobs.give_feedback(principal.caller, job_id, event_id, label, analyst)
        return FeedbackAccepted("OK", shown(position))
