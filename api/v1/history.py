"""v1 history: a model's domain events in order, its audit trail."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get
from litestar.params import Parameter

from perfledger.api.auth import Principal, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.tenant_positions import LARGEST_TOKEN, asked, named
from perfledger.projections.database import Database
from perfledger.projections.history.queries import model_history
from perfledger.projections.registry.queries import find_model


class HistoryEntry(msgspec.Struct):
    position: int
    type: str
    at: str
    actor: str
    data: dict[str, Any]


class HistoryController(Controller):
    path = "/models/{model_id:str}/history"
    tags = ["v1 history"]

    @get(
        "/", guards=[requires_any("model:read")], operation_id="v1ModelHistory",
        sync_to_thread=True,
        dependencies={"position": reading("registry", "history")},
    )
    def history(
        self,
        model_id: str,
        principal: Principal,
        position: int,
        database: Database,
        after: Annotated[int, Parameter(ge=0, le=LARGEST_TOKEN)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
    ) -> Response[list[HistoryEntry]]:
        model = find_model(
            database, principal.organization_id, str(parse_id(model_id, "Model"))
        )
        entries = model_history(database, model.model_id, asked(after) or 0, limit)
        return answer([HistoryEntry(**_with_tokens(entry)) for entry in entries], position)


def _with_tokens(value: Any) -> Any:
    """An entry with every position in it (its own, a gate's evidence, an alert's data) as
    the organization's token."""
    if isinstance(value, dict):
        return {key: named(item) if _names_a_position(key, item) else _with_tokens(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_with_tokens(item) for item in value]
    return value


def _names_a_position(key: str, value: Any) -> bool:
    return (key == "position" or key.endswith("_position")) and isinstance(value, int)
