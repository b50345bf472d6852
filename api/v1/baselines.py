"""v1 columns and baselines: what a model's inputs and outputs are, and what they are judged
against."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, delete, get, post, put

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.tenant_positions import shown
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.inputs.baselines import parse_baseline
from perfledger.domain.inputs.columns import ColumnSpec, parse_column
from perfledger.domain.timestamps import format_micros
from perfledger.projections.database import Database
from perfledger.projections.inputs.queries import BaselineRow, baselines_of, model_columns_of
from perfledger.projections.registry.queries import find_model

READ = [requires_any("model:read")]
WRITE = [requires("model:write")]
READS = {"position": reading("registry", "inputs")}


class ColumnOut(msgspec.Struct):
    name: str
    type: str | None  # None: undeclared (its missing values are counted, nothing else)
    binned: bool
    bins: list[Any]  # [low, high] (null: open-ended) per numeric bin, or the categories
    nullable: bool
    min: float | None = None
    max: float | None = None
    categories: list[Any] | None = None


class BaselineOut(msgspec.Struct):
    id: str
    name: str
    type: str
    default: bool
    created_at: str
    dataset_split: str | None = None
    version_id: str | None = None
    start: str | None = None
    end: str | None = None
    window: str | None = None
    offset: int | None = None


class BaselineCreated(msgspec.Struct):
    id: str
    name: str
    position: int


class BaselineDeleted(msgspec.Struct):
    id: str
    deleted: bool
    position: int


def baseline_out(row: BaselineRow) -> BaselineOut:
    definition = row.definition
    return BaselineOut(row.baseline_id, row.name, definition.kind, row.is_default,
                       row.created_at, definition.dataset_split, definition.version_id,
                       None if definition.start is None else format_micros(definition.start),
                       None if definition.end is None else format_micros(definition.end),
                       definition.window, definition.offset)


class ColumnChanged(msgspec.Struct):
    column: ColumnOut
    position: int


def column_out(c: ColumnSpec) -> ColumnOut:
    return ColumnOut(c.name, c.type, c.binned, c.bins(), c.nullable, c.min, c.max,
                     None if c.categories is None else list(c.categories))


class ColumnsController(Controller):
    path = "/models/{model_id:str}/columns"
    tags = ["v1 inputs"]

    @get("/", guards=READ, operation_id="v1ModelColumns", sync_to_thread=True,
         dependencies=READS)
    def columns(self, model_id: str, principal: Principal, position: int,
                database: Database) -> Response[list[ColumnOut]]:
        """Outputs first, then inputs; each with its type and bins."""
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        with database.read() as tx:
            found = model_columns_of(tx, model.model_id)
        return answer([column_out(c) for c in found], position)

    @put("/{name:str}", guards=WRITE, operation_id="v1ChangeColumn", sync_to_thread=True)
    def change(self, model_id: str, name: str, data: dict[str, Any], principal: Principal,
               ledger: PerfLedger) -> ColumnChanged:
        """`{"type", "min"?, "max"?, "categories"?, "nullable"?}`: a column declared, or its
        spec changed. The model's input statistics are counted again from the rows they keep
        with the new bins (the old ones answer until then)."""
        if data.get("name", name) != name:
            raise InvalidInput("The column's name is the one in the path", {"field": "name"})
        column = parse_column({**data, "name": name})
        position = ledger.change_column(principal.caller, parse_id(model_id, "Model"), column)
        return ColumnChanged(column_out(column), shown(position))


class BaselineController(Controller):
    path = "/models/{model_id:str}/baselines"
    tags = ["v1 inputs"]

    @post("/", guards=WRITE, operation_id="v1CreateBaseline", status_code=201,
          sync_to_thread=True)
    def create(self, model_id: str, data: dict[str, Any], principal: Principal,
               ledger: PerfLedger) -> BaselineCreated:
        """`{"name", "type": "static", "dataset_split", "version_id"?, "start"?, "end"?}` or
        `{"name", "type": "rolling", "window": "hour|day|week", "offset"}`; `"default": true`
        makes it the model's default (its first baseline is). 409 on a name it has."""
        name, definition, make_default = parse_baseline(data)
        baseline_id, position = ledger.create_baseline(
            principal.caller, parse_id(model_id, "Model"), name, definition, make_default)
        return BaselineCreated(baseline_id, name, shown(position))

    @get("/", guards=READ, operation_id="v1ListBaselines", sync_to_thread=True,
         dependencies=READS)
    def list_baselines(self, model_id: str, principal: Principal, position: int,
                       database: Database) -> Response[list[BaselineOut]]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        with database.read() as tx:
            found = baselines_of(tx, model.model_id)
        return answer([baseline_out(row) for row in found], position)

    @get("/{baseline_id:str}", guards=READ, operation_id="v1GetBaseline", sync_to_thread=True,
         dependencies=READS)
    def get_baseline(self, model_id: str, baseline_id: str, principal: Principal,
                     position: int, database: Database) -> Response[BaselineOut]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        with database.read() as tx:
            found = [row for row in baselines_of(tx, model.model_id)
                     if row.baseline_id == str(parse_id(baseline_id, "Baseline"))]
        if not found:
            raise NotFound(f"Baseline '{baseline_id}' not found")
        return answer(baseline_out(found[0]), position)

    @delete("/{baseline_id:str}", guards=WRITE, operation_id="v1DeleteBaseline",
            status_code=200, sync_to_thread=True)
    def delete_baseline(self, model_id: str, baseline_id: str, principal: Principal,
                        ledger: PerfLedger) -> BaselineDeleted:
        """The oldest remaining baseline becomes the default when the default goes."""
        position = ledger.delete_baseline(principal.caller, parse_id(model_id, "Model"),
                                          str(parse_id(baseline_id, "Baseline")))
        return BaselineDeleted(baseline_id, True, shown(position))
