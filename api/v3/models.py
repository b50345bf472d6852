"""v3 models: create, get, list (filter, search, ordering, latest_only), patch, delete."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from msgspec import UNSET

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.services.catalog import Catalog
from perfledger.api.v3.envelope import JobRef, JobStarted, Normal, Paginated, normal, paginated
from perfledger.api.v3.model_requests import ModelCreate, ModelPatch, changes_of, entry_of
from perfledger.api.v3.model_views import ModelOut, model_out, row_of
from perfledger.api.v3.projects import Limit, Offset
from perfledger.projections.catalog.queries import ListQuery, find_entry, list_entries
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog

READS = {"position": reading("catalog")}


class ModelController(Controller):
    path = "/models"
    tags = ["v3 models"]

    @post("/", guards=[requires("model:write")], operation_id="v3CreateModel",
          status_code=200)
    async def create_model(
        self, data: ModelCreate, principal: Principal, catalog: Catalog
    ) -> Normal[ModelOut]:
        model, project_name = await catalog.onboard_model(
            principal.caller, parse_id(data.project_id, "Project"), data.name, data.task,
            entry_of(data))
        return normal(model_out(row_of(model, project_name), principal))

    @get("/", guards=[requires("model:read")], operation_id="v3ListModels", sync_to_thread=True,
         dependencies=READS)
    def list_models(
        self,
        principal: Principal,
        database: Database,
        log: EventLog,
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
        rows, total = list_entries(database, log, principal.organization_id, query)
        items = [model_out(row, principal) for row in rows]
        return answer(paginated(items, total, limit, offset), position)

    @get("/{model_id:str}", guards=[requires("model:read")], operation_id="v3GetModel",
         sync_to_thread=True, dependencies=READS)
    def get_model(
        self, model_id: str, principal: Principal, database: Database, log: EventLog,
        position: int,
    ) -> Response[Normal[ModelOut]]:
        model_uuid = str(parse_id(model_id, "Model"))
        row = find_entry(database, log, principal.organization_id, model_uuid)
        return answer(normal(model_out(row, principal)), position)

    @patch("/{model_id:str}", guards=[requires("model:write")], operation_id="v3UpdateModel")
    async def update_model(
        self, model_id: str, data: ModelPatch, principal: Principal, catalog: Catalog
    ) -> Normal[ModelOut]:
        task = None if data.task is UNSET else data.task
        model, project_name = await catalog.update_model(
            principal.caller, parse_id(model_id, "Model"), task, changes_of(data))
        return normal(model_out(row_of(model, project_name), principal))

    @delete("/{model_id:str}", guards=[requires("model:write")], operation_id="v3DeleteModel",
            status_code=202)
    async def delete_model(
        self, model_id: str, principal: Principal, catalog: Catalog
    ) -> Normal[JobStarted]:
        """Soft delete; answers once the projections have purged the model, when they can."""
        operation = await catalog.delete_model(principal.caller, parse_id(model_id, "Model"))
        return normal(JobStarted(JobRef(str(operation.id), operation.name)))
