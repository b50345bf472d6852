"""v1 models: the light registration twin of `POST /v3/models`."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import Parameter

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.tenant_positions import shown
from perfledger.domain.application import PerfLedger
from perfledger.domain.inputs.columns import MAX_COLUMNS, parse_columns
from perfledger.domain.performance.records import Label
from perfledger.domain.timestamps import format_timestamp
from perfledger.domain.values import ModelDefinition
from perfledger.domain.vocabulary import Task
from perfledger.projections.database import Database
from perfledger.projections.registry.listing import models_of_organization
from perfledger.projections.registry.queries import ModelRow, find_model


class ModelCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    task: Task
    project_id: str | None = None
    labels: list[Label] = []
    positive_label: Label | None = None
    inputs: list[str] = []
    description: str = ""
    # Types and bins of inputs (and outputs): [{name, type, min?, max?, categories?,
    # nullable?}]; see GET .../columns.
    columns: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=MAX_COLUMNS)] = []


class ModelOut(msgspec.Struct):
    id: str
    name: str
    project_id: str
    task: str
    labels: list[str]
    positive_label: str | None
    inputs: list[str]
    description: str
    promoted_version_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    position: int | None = None


def model_out(row: ModelRow) -> ModelOut:
    return ModelOut(
        row.model_id,
        row.name,
        row.project_id,
        row.task,
        row.labels,
        row.positive_label,
        row.inputs,
        row.description,
        row.promoted_version_id,
        row.created_at,
        row.updated_at,
    )


class ModelPage(msgspec.Struct):
    models: list[ModelOut]
    total: int
    limit: int
    offset: int


class ModelController(Controller):
    path = "/models"
    tags = ["v1 models"]

    @get("/", guards=[requires_any("model:read")], operation_id="v1ListModels",
         sync_to_thread=True, dependencies={"position": reading("registry")})
    def list_models(
        self, principal: Principal, position: int, database: Database,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> Response[ModelPage]:
        """The caller's organization's models (v1 and v3), oldest first, a page at a time."""
        rows, total = models_of_organization(database, principal.organization_id, limit, offset)
        return answer(ModelPage([model_out(row) for row in rows], total, limit, offset), position)

    @post(
        "/",
        guards=[requires("model:write")],
        operation_id="v1CreateModel",
        status_code=201,
        sync_to_thread=True,
    )
    def create_model(
        self, data: ModelCreate, principal: Principal, ledger: PerfLedger
    ) -> ModelOut:
        definition = ModelDefinition(
            name=data.name,
            task=data.task,
            project_id=data.project_id,
            labels=tuple(str(label) for label in data.labels),
            positive_label=None if data.positive_label is None else str(data.positive_label),
            inputs=tuple(data.inputs),
            description=data.description,
            columns=parse_columns(data.columns),
        )
        model, position = ledger.register_model(principal.caller, definition)
        return ModelOut(
            str(model.id),
            model.name,
            model.project_id,
            str(model.task),
            model.labels,
            model.positive_label,
            model.inputs,
            model.description,
            created_at=format_timestamp(model.created_on),
            updated_at=format_timestamp(model.modified_on),
            position=shown(position),
        )

    @get(
        "/{model_id:str}",
        guards=[requires_any("model:read")],
        operation_id="v1GetModel",
        sync_to_thread=True,
        dependencies={"position": reading("registry")},
    )
    def get_model(
        self,
        model_id: str,
        principal: Principal,
        position: int,
        database: Database,
    ) -> Response[ModelOut]:
        row = find_model(
            database, principal.organization_id, str(parse_id(model_id, "Model"))
        )
        return answer(model_out(row), position)
