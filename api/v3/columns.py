"""v3 model columns: the schema's columns, each addressed by its URL-safe id."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from litestar import Controller, Response, get

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.errors import NotFound
from perfledger.projections.catalog.queries import find_entry
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog

Column = dict[str, Any]


class ColumnController(Controller):
    path = "/models/{model_id:str}/columns"
    tags = ["v3 models"]
    guards = [requires("model:read")]
    dependencies = {"position": reading("catalog")}

    @get("/", operation_id="v3ListColumns", sync_to_thread=True)
    def list_columns(
        self, model_id: str, principal: Principal, database: Database, log: EventLog,
        position: int, limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[Column]]:
        columns = _columns(database, log, principal, model_id)
        page = columns[offset : offset + limit]
        return answer(paginated(page, len(columns), limit, offset), position)

    @get("/{column_id:str}", operation_id="v3GetColumn", sync_to_thread=True)
    def get_column(
        self, model_id: str, column_id: str, principal: Principal, database: Database,
        log: EventLog, position: int,
    ) -> Response[Normal[Column]]:
        wanted = {column_id, unquote(column_id)}
        for column in _columns(database, log, principal, model_id):
            if column["id"] in wanted or column["name"] in wanted:
                return answer(normal(column), position)
        raise NotFound(f"Column '{column_id}' not found in model '{model_id}'")


def _columns(database: Database, log: EventLog, principal: Principal, model_id: str
             ) -> list[Column]:
    model_uuid = str(parse_id(model_id, "Model"))
    row = find_entry(database, log, principal.organization_id, model_uuid)
    return list(row.entry["schema"]["columns"])
