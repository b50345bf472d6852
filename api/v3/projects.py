"""v3 projects: create (unique names), get, list with a filter, delete when empty."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import LARGEST_POSITION, answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.services.catalog import Catalog
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.people import Organization, organization_of
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.catalog.queries import (
    ListQuery,
    ProjectRow,
    find_project,
    list_projects,
)
from perfledger.projections.database import Database

Limit = Annotated[int, Parameter(ge=1, le=1000)]
Offset = Annotated[int, Parameter(ge=0, le=LARGEST_POSITION)]
READS = {"position": reading("catalog")}


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ProjectOut(msgspec.Struct):
    id: str
    name: str
    organization: Organization
    created_at: str
    updated_at: str


def project_out(row: ProjectRow, principal: Principal) -> ProjectOut:
    return ProjectOut(
        row.project_id, row.name, organization_of(principal), row.created_at, row.updated_at
    )


class ProjectController(Controller):
    path = "/projects"
    tags = ["v3 projects"]

    @post("/", guards=[requires("model:write")], operation_id="v3CreateProject",
          status_code=200)
    async def create_project(
        self, data: ProjectCreate, principal: Principal, catalog: Catalog
    ) -> Normal[ProjectOut]:
        project = await catalog.create_project(principal.caller, data.name)
        at = format_timestamp(project.created_on)
        return normal(
            ProjectOut(str(project.id), project.name, organization_of(principal), at, at)
        )

    @get("/", guards=[requires("model:read")], operation_id="v3ListProjects",
         sync_to_thread=True, dependencies=READS)
    def list_projects(
        self,
        principal: Principal,
        database: Database,
        position: int,
        filter: str | None = None,
        ordering: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response[Paginated[ProjectOut]]:
        query = ListQuery(limit, offset, filter=filter, ordering=ordering)
        rows, total = list_projects(database, principal.organization_id, query)
        items = [project_out(row, principal) for row in rows]
        return answer(paginated(items, total, limit, offset), position)

    @get("/{project_id:str}", guards=[requires("model:read")], operation_id="v3GetProject",
         sync_to_thread=True, dependencies=READS)
    def get_project(
        self, project_id: str, principal: Principal, database: Database, position: int
    ) -> Response[Normal[ProjectOut]]:
        row = find_project(
            database, principal.organization_id, str(parse_id(project_id, "Project"))
        )
        return answer(normal(project_out(row, principal)), position)

    @delete("/{project_id:str}", guards=[requires("model:write")],
            operation_id="v3DeleteProject", status_code=200)
    async def delete_project(
        self, project_id: str, principal: Principal, catalog: Catalog
    ) -> Normal[dict[str, str]]:
        project_uuid = parse_id(project_id, "Project")
        await catalog.delete_project(principal.caller, project_uuid)
        return normal({"id": str(project_uuid)})
