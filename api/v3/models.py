"""v3 models: create, get, list (filter, search, ordering, latest_only), patch, delete."""

from __future__ import annotations

import anyio.to_thread
from litestar import Controller, Response, delete, get, patch, post
from msgspec import UNSET

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v3.consistency import settle
from perfledger.api.v3.envelope import JobRef, JobStarted, Normal, Paginated, normal, paginated
from perfledger.api.v3.model_requests import ModelCreate, ModelPatch, changes_of, entry_of
from perfledger.api.v3.model_views import ModelOut, model_out, row_of
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.errors import NotFound
from perfledger.domain.registry.model import Model
from perfledger.projections.catalog.queries import (
    DEFAULT_PROJECT_NAME,
    ListQuery,
    find_entry,
    list_entries,
)

ALL_PROJECTIONS = ("catalog", "registry", "performance", "history")


class ModelController(Controller):
    path = "/models"
    tags = ["v3 models"]

    @post("/", guards=[requires("model:write")], operation_id="v3CreateModel",
          status_code=200)
    async def create_model(
        self, data: ModelCreate, principal: Principal, container: Container
    ) -> Normal[ModelOut]:
        project_id = parse_id(data.project_id, "Project")

        def onboard() -> tuple[Model, int]:
            return container.ledger.onboard_model(
                principal.caller, project_id, data.name, data.task, entry_of(data)
            )

        model, position = await anyio.to_thread.run_sync(onboard)
        await settle(container, position)
        return normal(await anyio.to_thread.run_sync(_out, container, principal, model))

    @get("/", guards=[requires("model:read")], operation_id="v3ListModels", sync_to_thread=True,
         dependencies={"position": reading("catalog")})
    def list_models(
        self,
        principal: Principal,
        container: Container,
        position: int,
        project_id: str | None = None,
        latest_only: bool = False,
        filter: str | None = None,
        search: str | None = None,
        ordering: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response[Paginated[ModelOut]]:
        project = None if project_id is None else str(parse_id(project_id, "Project"))
        query = ListQuery(limit, offset, filter, search, ordering, project, latest_only)
        rows, total = list_entries(
            container.database, container.engine.log, principal.organization_id, query
        )
        items = [model_out(row, principal) for row in rows]
        return answer(paginated(items, total, limit, offset), position)

    @get("/{model_id:str}", guards=[requires("model:read")], operation_id="v3GetModel",
         sync_to_thread=True, dependencies={"position": reading("catalog")})
    def get_model(
        self, model_id: str, principal: Principal, container: Container, position: int
    ) -> Response[Normal[ModelOut]]:
        model_uuid = str(parse_id(model_id, "Model"))
        row = find_entry(
            container.database, container.engine.log, principal.organization_id, model_uuid
        )
        return answer(normal(model_out(row, principal)), position)

    @patch("/{model_id:str}", guards=[requires("model:write")], operation_id="v3UpdateModel")
    async def update_model(
        self, model_id: str, data: ModelPatch, principal: Principal, container: Container
    ) -> Normal[ModelOut]:
        model_uuid = parse_id(model_id, "Model")
        task = None if data.task is UNSET else data.task
        position = await anyio.to_thread.run_sync(
            container.ledger.update_model, principal.caller, model_uuid, task, changes_of(data)
        )
        await settle(container, position)

        def updated() -> ModelOut:
            model = container.ledger.get_entry(principal.caller, model_uuid)
            return _out(container, principal, model)

        return normal(await anyio.to_thread.run_sync(updated))

    @delete("/{model_id:str}", guards=[requires("model:write")], operation_id="v3DeleteModel",
            status_code=202)
    async def delete_model(
        self, model_id: str, principal: Principal, container: Container
    ) -> Normal[JobStarted]:
        """Soft delete; answers once the projections have purged the model, when they can."""
        job, position = await anyio.to_thread.run_sync(
            container.ledger.delete_model, principal.caller, parse_id(model_id, "Model")
        )
        await settle(container, position, ALL_PROJECTIONS)
        return normal(JobStarted(JobRef(str(job.id), job.name)))


def _out(container: Container, principal: Principal, model: Model) -> ModelOut:
    project_id = parse_id(model.project_id, "Project")
    try:
        project_name = container.ledger.get_project(principal.caller, project_id).name
    except NotFound:
        project_name = DEFAULT_PROJECT_NAME
    return model_out(row_of(model, project_name), principal)
