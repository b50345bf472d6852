"""v3 baselines (fiddler-client's `Baseline`) over the model's baselines of v1.

`STATIC` takes the rows of an environment (`env_id`; see `environments`), optionally within
`[start_time, end_time)` (Unix seconds; a value past 10^11 is read as milliseconds);
`ROLLING` (or `ROLLING_WINDOW`) the production rows `offset_delta` windows of
`window_bin_size` (`Hour`, `Day`, `Week`) before each judged window. An answer always
carries its `environment` (production for a rolling one) and integer times.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Response, delete, get, post

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v3.alert_rule_shapes import Id, ModelRef
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.environments import (
    EnvironmentRef,
    environment_of,
    split_of_environment,
)
from perfledger.api.v3.item_filters import item_filter, model_filter, parse_filter
from perfledger.api.v3.people import Organization, ProjectRef, organization_of
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.inputs.baselines import MAX_BASELINE_NAME_CHARS, MAX_OFFSET
from perfledger.domain.inputs.baselines import BaselineDefinition as Definition
from perfledger.projections.catalog.queries import EntryRow, find_entry
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog
from perfledger.projections.inputs.measures import baseline_rows
from perfledger.projections.inputs.queries import BaselineRow, baselines_of

READS = {"position": reading("catalog", "inputs", "performance")}
KINDS = {"STATIC": "static", "ROLLING": "rolling", "ROLLING_WINDOW": "rolling"}
WINDOWS = {"Hour": "hour", "Day": "day", "Week": "week"}
WINDOW_OF = {window: name for name, window in WINDOWS.items()}
FILTER_FIELDS = ("id", "name", "model_id", "type", "environment_type")
MILLISECONDS_FROM = 10**11  # a Unix time this large is in milliseconds (seconds: year 5138)
LATEST_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
INPUTS = ["inputs"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BASELINE_NAME_CHARS)]
Moment = Annotated[int, msgspec.Meta(ge=0, le=LATEST_SECONDS * 1000)]


class BaselineCreate(msgspec.Struct):
    name: Name
    model_id: Id
    type: Annotated[str, msgspec.Meta(max_length=32)]
    env_type: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    env_id: Id | None = None
    start_time: Moment | None = None
    end_time: Moment | None = None
    offset_delta: Annotated[int, msgspec.Meta(ge=1, le=MAX_OFFSET)] | None = None
    window_bin_size: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class BaselineOut(msgspec.Struct):
    id: str
    name: str
    type: str
    start_time: int | None
    end_time: int | None
    offset_delta: int | None
    window_bin_size: str | None
    row_count: int | None
    model: ModelRef
    project: ProjectRef
    organization: Organization
    environment: EnvironmentRef
    created_at: str
    updated_at: str


def definition_of(body: BaselineCreate, model_id: str) -> Definition:
    """The v1 definition a create body asks for; a 400 naming the client's field."""
    kind = KINDS.get(body.type.upper())
    if kind is None:
        raise InvalidInput(f"type is one of {', '.join(KINDS)}, not {body.type!r}",
                           {"field": "type"})
    if kind == "rolling":
        window = WINDOWS.get((body.window_bin_size or "").capitalize())
        if window is None:
            raise InvalidInput(f"a rolling baseline takes window_bin_size, one of"
                               f" {', '.join(WINDOWS)}", {"field": "window_bin_size"})
        if body.offset_delta is None:
            raise InvalidInput("a rolling baseline takes offset_delta: how many windows back",
                               {"field": "offset_delta"})
        return Definition("rolling", window=window, offset=body.offset_delta)
    split = None if body.env_id is None else split_of_environment(model_id, body.env_id)
    if split is None:
        raise InvalidInput("a static baseline takes env_id, the id of one of the model's"
                           " environments (GET /v3/models/{id}/environments)",
                           {"field": "env_id"})
    start, end = _micros(body.start_time), _micros(body.end_time)
    if start is not None and end is not None and start >= end:
        raise InvalidInput("end_time must come after start_time", {"field": "end_time"})
    return Definition("static", split, None, start, end)


def _micros(seconds: int | None) -> int | None:
    if seconds is None:
        return None
    return seconds * 1000 if seconds >= MILLISECONDS_FROM else seconds * 1_000_000


def _seconds(micros: int | None) -> int | None:
    return None if micros is None else micros // 1_000_000


def baseline_out(row_count: int | None, row: BaselineRow, entry: EntryRow,
                 principal: Principal) -> BaselineOut:
    definition = row.definition
    split = definition.dataset_split or "production"
    environment = environment_of(entry.model_id, split)
    return BaselineOut(
        row.baseline_id, row.name, "STATIC" if definition.kind == "static" else "ROLLING",
        _seconds(definition.start), _seconds(definition.end), definition.offset,
        None if definition.window is None else WINDOW_OF[definition.window], row_count,
        ModelRef(entry.model_id, entry.name, entry.entry.get("version")),
        ProjectRef(entry.project_id, entry.project_name), organization_of(principal),
        EnvironmentRef(environment.id, split, environment.type), row.created_at,
        row.created_at)


def baselines_read(database: Database, entry: EntryRow, principal: Principal,
                   only: str | None = None) -> list[BaselineOut]:
    """The model's baselines (`only` the one of that id), each with the rows it holds."""
    version = str(entry.entry.get("version"))
    with database.read() as tx:
        return [baseline_out(baseline_rows(tx, entry.model_id, version, row.definition), row,
                             entry, principal)
                for row in baselines_of(tx, entry.model_id)
                if only is None or row.baseline_id == only]


def _fields(found: BaselineOut) -> dict[str, Any]:
    return {"id": found.id, "name": found.name, "model_id": found.model.id,
            "type": found.type, "environment_type": found.environment.type}


class BaselineController(Controller):
    path = "/baselines"
    tags = ["v3 baselines"]

    @post("/", guards=[requires("model:write")], operation_id="v3CreateBaseline",
          status_code=200)
    async def create_baseline(self, data: BaselineCreate, principal: Principal,
                              container: Container) -> Normal[BaselineOut]:
        def create() -> tuple[UUID, int, str]:
            model = container.ledger.get_entry(principal.caller, parse_id(data.model_id,
                                                                          "Model"))
            definition = definition_of(data, str(model.id))
            baseline_id, position = container.ledger.create_baseline(
                principal.caller, model.id, data.name.strip(), definition, False)
            return model.id, position, baseline_id

        model_id, position, baseline_id = await anyio.to_thread.run_sync(create)
        await container.services.read.show(INPUTS, position)
        return normal(await anyio.to_thread.run_sync(
            _one, container, principal, str(model_id), baseline_id))

    @get("/", guards=[requires("model:read")], operation_id="v3ListBaselines",
         sync_to_thread=True, dependencies=READS)
    def list_baselines(
        self, principal: Principal, database: Database, log: EventLog, position: int,
        filter: str | None = None, limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[BaselineOut]]:
        """The baselines of the model the filter names (`model_id` equal), oldest first."""
        model_id, keep = model_filter(filter, FILTER_FIELDS)
        entry = find_entry(database, log, principal.organization_id,
                           str(parse_id(model_id, "Model")))
        found = [b for b in baselines_read(database, entry, principal) if keep(_fields(b))]
        return answer(paginated(found[offset:offset + limit], len(found), limit, offset),
                      position)

    @get("/{baseline_id:str}", guards=[requires("model:read")],
         operation_id="v3GetBaseline", sync_to_thread=True, dependencies=READS)
    def get_baseline(self, baseline_id: str, principal: Principal, database: Database,
                     log: EventLog, position: int) -> Response[Normal[BaselineOut]]:
        model_id = _model_of(database, principal, baseline_id)
        entry = find_entry(database, log, principal.organization_id, model_id)
        found = baselines_read(database, entry, principal,
                               str(parse_id(baseline_id, "Baseline")))
        if not found:
            raise NotFound(f"Baseline '{baseline_id}' not found")
        return answer(normal(found[0]), position)

    @delete("/{baseline_id:str}", guards=[requires("model:write")],
            operation_id="v3DeleteBaseline", status_code=200)
    async def delete_baseline(self, baseline_id: str, principal: Principal,
                              container: Container) -> Normal[dict[str, str]]:
        def remove() -> int:
            model_id = _model_of(container.database, principal, baseline_id)
            return container.ledger.delete_baseline(principal.caller, UUID(model_id),
                                                    str(parse_id(baseline_id, "Baseline")))

        position = await anyio.to_thread.run_sync(remove)
        await container.services.read.show(INPUTS, position)
        return normal({"id": baseline_id})


class ModelBaselineController(Controller):
    path = "/models/{model_id:str}/baselines"
    tags = ["v3 baselines"]

    @get("/", guards=[requires("model:read")], operation_id="v3ListModelBaselines",
         sync_to_thread=True, dependencies=READS)
    def list_model_baselines(
        self, model_id: str, principal: Principal, database: Database, log: EventLog,
        position: int, filter: str | None = None, limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[BaselineOut]]:
        keep = (item_filter(parse_filter(filter), FILTER_FIELDS) if filter is not None
                else lambda _: True)
        entry = find_entry(database, log, principal.organization_id,
                           str(parse_id(model_id, "Model")))
        found = [b for b in baselines_read(database, entry, principal) if keep(_fields(b))]
        return answer(paginated(found[offset:offset + limit], len(found), limit, offset),
                      position)


def _one(container: Container, principal: Principal, model_id: str, baseline_id: str
         ) -> BaselineOut:
    entry = find_entry(container.database, container.engine.log, principal.organization_id,
                       model_id)
    found = baselines_read(container.database, entry, principal, baseline_id)
    if not found:
        raise NotFound(f"Baseline '{baseline_id}' not found")
    return found[0]


def _model_of(database: Database, principal: Principal, baseline_id: str) -> str:
    """The model of the organization's baseline; 404 for any other."""
    wanted = str(parse_id(baseline_id, "Baseline"))
    with database.read() as tx:
        found = tx.value("SELECT b.model_id FROM input_baselines b JOIN input_models m"
                         " ON m.model_id = b.model_id WHERE b.baseline_id = ?"
                         " AND m.organization_id = ?", (wanted, principal.organization_id))
    if found is None:
        raise NotFound(f"Baseline '{baseline_id}' not found")
    return str(found)

