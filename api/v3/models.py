"""v3 models: create, get, list (filter, search, ordering, latest_only), patch, delete."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from msgspec import UNSET

from api.auth import Principal, requires
from api.bootstrap import Container
from api.consistency import answer, read_position
from api.v3.consistency import settle
from api.v3.envelope import JobRef, JobStarted, Normal, Paginated, normal, paginated
from api.v3.ids import parse_id
from api.v3.model_requests import ModelCreate, ModelPatch, changes_of, entry_of
from api.v3.model_views import ModelOut, model_out, row_of
from api.v3.projects import Limit, MinPosition, Offset
from domain.errors import NotFound
from domain.model import Model
from projections.catalog.queries import DEFAULT_PROJECT_NAME, ListQuery, find_entry, list_entries

ALL_PROJECTIONS = ("catalog", "registry", "performance", "history")


class ModelController(Controller):
    path = "/models"
    tags = ["v3 models"]

    @post("/", guards=[requires("model:write")], operation_id="v3CreateModel",
          status_code=200, sync_to_thread=True)
    def create_model(
        self, data: ModelCreate, principal: Principal, container: Container
    ) -> Normal[ModelOut]:
        project_id = parse_id(data.project_id, "Project")
        model, position = container.ledger.onboard_model(
            principal.caller, project_id, data.name, data.task, entry_of(data)
        )
        settle(container, position)
        return normal(self._out(container, principal, model))

    @get("/", guards=[requires("model:read")], operation_id="v3ListModels", sync_to_thread=True)
    def list_models(
        self,
        principal: Principal,
        container: Container,
        project_id: str | None = None,
        latest_only: bool = False,
        filter: str | None = None,
        search: str | None = None,
        ordering: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
        min_position: MinPosition = None,
    ) -> Response[Paginated[ModelOut]]:
        position = read_position(container, ["catalog"], min_position)
        project = None if project_id is None else str(parse_id(project_id, "Project"))
        query = ListQuery(limit, offset, filter, search, ordering, project, latest_only)
        rows, total = list_entries(container.database, principal.organization_id, query)
        items = [model_out(row, principal) for row in rows]
        return answer(paginated(items, total, limit, offset), position)

    @get("/{model_id:str}", guards=[requires("model:read")], operation_id="v3GetModel",
         sync_to_thread=True)
    def get_model(
        self, model_id: str, principal: Principal, container: Container,
        min_position: MinPosition = None,
    ) -> Response[Normal[ModelOut]]:
        position = read_position(container, ["catalog"], min_position)
        model_uuid = str(parse_id(model_id, "Model"))
        row = find_entry(container.database, principal.organization_id, model_uuid)
        return answer(normal(model_out(row, principal)), position)

    @patch("/{model_id:str}", guards=[requires("model:write")], operation_id="v3UpdateModel",
           sync_to_thread=True)
    def update_model(
        self, model_id: str, data: ModelPatch, principal: Principal, container: Container
    ) -> Normal[ModelOut]:
        model_uuid = parse_id(model_id, "Model")
        task = None if data.task is UNSET else data.task
        position = container.ledger.update_model(
            principal.caller, model_uuid, task, changes_of(data)
        )
        settle(container, position)
        model = container.ledger.get_entry(principal.caller, model_uuid)
        return normal(self._out(container, principal, model))

    @delete("/{model_id:str}", guards=[requires("model:write")], operation_id="v3DeleteModel",
            status_code=202, sync_to_thread=True)
    def delete_model(
        self, model_id: str, principal: Principal, container: Container
    ) -> Normal[JobStarted]:
        """Soft delete; answers once the projections have purged the model, when they can."""
        job, position = container.ledger.delete_model(
            principal.caller, parse_id(model_id, "Model")
        )
        settle(container, position, ALL_PROJECTIONS)
        return normal(JobStarted(JobRef(str(job.id), job.name)))

    @staticmethod
    def _out(container: Container, principal: Principal, model: Model) -> ModelOut:
        project_id = parse_id(model.project_id, "Project")
        try:
            project_name = container.ledger.get_project(principal.caller, project_id).name
        except NotFound:
            project_name = DEFAULT_PROJECT_NAME
        return model_out(row_of(model, project_name), principal)
