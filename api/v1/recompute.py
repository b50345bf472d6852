"""v1 recompute requests: ask for cached metrics to be recomputed, then follow the request."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Response, get, post

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.tenant_positions import shown_or_none
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import NotFound
from perfledger.domain.recompute import PERFORMANCE
from perfledger.domain.timestamps import format_timestamp
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.database import Database
from perfledger.projections.recompute.queries import find_request


class RecomputeAsk(msgspec.Struct, forbid_unknown_fields=True):
    version_id: str | None = None
    dataset_split: DatasetSplit | None = None


class RecomputeQueued(msgspec.Struct):
    request_id: str
    status: str
    requested_at: str
    position: int | None


class RecomputeStatus(msgspec.Struct):
    request_id: str
    model_id: str
    version_id: str | None
    dataset_split: str | None
    status: str
    attempts: int
    requested_at: str
    started_at: str | None
    finished_at: str | None
    outcome: dict[str, Any] | None
    error: str | None


class RecomputeController(Controller):
    tags = ["v1 recompute"]

    @post("/models/{model_id:str}/performance/recompute", guards=[requires("model:write")],
          operation_id="v1RequestRecompute", status_code=202, sync_to_thread=True)
    def request_recompute(self, model_id: str, principal: Principal, ledger: PerfLedger,
                          data: RecomputeAsk | None = None) -> RecomputeQueued:
        """A request while one for the same scope is pending answers that one instead."""
        ask = data or RecomputeAsk()
        split = None if ask.dataset_split is None else str(ask.dataset_split)
        request, position = ledger.request_recompute(
            principal.caller, parse_id(model_id, "Model"), ask.version_id, split)
        return RecomputeQueued(str(request.id), request.status,
                               format_timestamp(request.created_on), shown_or_none(position))

    @get("/recompute-requests/{request_id:str}", guards=[requires_any("model:read")],
         operation_id="v1RecomputeRequest", sync_to_thread=True,
         dependencies={"position": reading("recompute")})
    def recompute_request(
        self, request_id: str, principal: Principal, position: int, database: Database,
    ) -> Response[RecomputeStatus]:
        try:
            request_uuid = str(uuid.UUID(request_id))
        except ValueError:
            raise NotFound(f"Recompute request '{request_id}' not found") from None
        row = find_request(database, principal.organization_id, request_uuid)
        if row.target != PERFORMANCE:
            raise NotFound(f"Recompute request '{request_id}' not found")
        status = RecomputeStatus(
            row.request_id, str(row.scope["model_id"]), row.scope["version_id"],
            row.scope["dataset_split"], row.status, row.attempts, row.requested_at,
            row.started_at, row.finished_at, row.outcome, row.error)
        return answer(status, position)
