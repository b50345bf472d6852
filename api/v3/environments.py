"""v3 environments (fiddler-client's `Dataset`): a model's production rows and each of its
pre-production datasets (the splits `train`, `validation`, `test` that hold rows), each with
an id derived from the model and the split, so it is the same on every read."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from litestar import Controller, Response, get

from perfledger.api.auth import Principal, requires
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v3.alert_rule_shapes import ModelRef
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.item_filters import model_filter
from perfledger.api.v3.people import Organization, ProjectRef, organization_of
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.catalog.queries import EntryRow, find_entry
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog

ENVIRONMENT_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/environments")
PRODUCTION, PRE_PRODUCTION = "PRODUCTION", "PRE_PRODUCTION"
PRE_PRODUCTION_SPLITS = tuple(str(s) for s in DatasetSplit if s is not DatasetSplit.PRODUCTION)
FILTER_FIELDS = ("id", "name", "model_id", "type")
READS = {"position": reading("catalog", "performance")}


@dataclass(frozen=True)
class Environment:
    id: str
    split: str  # the v1 dataset split of its rows
    type: str  # PRODUCTION | PRE_PRODUCTION
    row_count: int


class EnvironmentRef(msgspec.Struct):
    id: str
    name: str
    type: str


class EnvironmentOut(msgspec.Struct):
    id: str
    name: str
    type: str
    row_count: int
    model: ModelRef
    project: ProjectRef
    organization: Organization


def environment_id(model_id: str, split: str) -> str:
    return str(uuid5(ENVIRONMENT_NAMESPACE, f"{model_id}/{split}"))


def environment_of(model_id: str, split: str, row_count: int = 0) -> Environment:
    kind = PRODUCTION if split == DatasetSplit.PRODUCTION else PRE_PRODUCTION
    return Environment(environment_id(model_id, split), split, kind, row_count)


def environments_of(database: Database, model_id: str) -> list[Environment]:
    """Production (always), then each pre-production split holding rows."""
    with database.read() as tx:
        rows = {str(split): int(count) for split, count in tx.rows(
            "SELECT dataset_split, SUM(row_count) FROM perf_series WHERE model_id = ?"
            " GROUP BY dataset_split", (model_id,))}
    production = environment_of(model_id, str(DatasetSplit.PRODUCTION),
                                rows.get(str(DatasetSplit.PRODUCTION), 0))
    return [production] + [environment_of(model_id, split, rows[split])
                           for split in PRE_PRODUCTION_SPLITS if rows.get(split)]


def environment_out(found: Environment, entry: EntryRow, principal: Principal
                    ) -> EnvironmentOut:
    return EnvironmentOut(found.id, found.split, found.type, found.row_count,
                          ModelRef(entry.model_id, entry.name, entry.entry.get("version")),
                          ProjectRef(entry.project_id, entry.project_name),
                          organization_of(principal))


class EnvironmentController(Controller):
    path = "/environments"
    tags = ["v3 models"]
    guards = [requires("model:read")]
    dependencies = READS

    @get("/", operation_id="v3ListEnvironments", sync_to_thread=True)
    def list_environments(
        self, principal: Principal, database: Database, log: EventLog, position: int,
        filter: str | None = None, limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[EnvironmentOut]]:
        """The environments of the model the filter names (`model_id` equal)."""
        model_id, keep = model_filter(filter, FILTER_FIELDS)
        entry = find_entry(database, log, principal.organization_id,
                           str(parse_id(model_id, "Model")))
        found = [e for e in environments_of(database, entry.model_id)
                 if keep({"id": e.id, "name": e.split, "model_id": entry.model_id,
                          "type": e.type})]
        page = [environment_out(e, entry, principal) for e in found[offset:offset + limit]]
        return answer(paginated(page, len(found), limit, offset), position)

    @get("/{environment_id:str}", operation_id="v3GetEnvironment", sync_to_thread=True)
    def get_environment(self, environment_id: str, principal: Principal, database: Database,
                        log: EventLog, position: int) -> Response[Normal[EnvironmentOut]]:
        wanted = parse_id(environment_id, "Environment")
        for model_id in _model_ids_of(database, principal):
            split = split_of_environment(model_id, wanted)
            if split is None:
                continue
            entry = find_entry(database, log, principal.organization_id, model_id)
            for found in environments_of(database, model_id):
                if found.split == split:
                    return answer(normal(environment_out(found, entry, principal)), position)
        raise NotFound(f"Environment '{environment_id}' not found")


class ModelEnvironmentController(Controller):
    path = "/models/{model_id:str}/environments"
    tags = ["v3 models"]
    guards = [requires("model:read")]
    dependencies = READS

    @get("/", operation_id="v3ListModelEnvironments", sync_to_thread=True)
    def list_model_environments(
        self, model_id: str, principal: Principal, database: Database, log: EventLog,
        position: int, type: str | None = None, limit: Limit = 50, offset: Offset = 0,
    ) -> Response[Paginated[EnvironmentOut]]:
        """The model's environments; `type=PRE_PRODUCTION` its datasets (as `Dataset.list`)."""
        entry = find_entry(database, log, principal.organization_id,
                           str(parse_id(model_id, "Model")))
        if type not in (None, PRODUCTION, PRE_PRODUCTION):
            raise InvalidInput(f"type is {PRODUCTION} or {PRE_PRODUCTION}, not {type[:50]!r}",
                               {"field": "type"})
        found = [e for e in environments_of(database, entry.model_id)
                 if type is None or e.type == type]
        page = [environment_out(e, entry, principal) for e in found[offset:offset + limit]]
        return answer(paginated(page, len(found), limit, offset), position)


def _model_ids_of(database: Database, principal: Principal) -> list[str]:
    with database.read() as tx:
        return [str(model_id) for (model_id,) in tx.rows(
            "SELECT model_id FROM registry_models WHERE organization_id = ?",
            (principal.organization_id,))]


def split_of_environment(model_id: str, environment: str | UUID) -> str | None:
    """The split an environment id of the model stands for; None for another id."""
    for split in (str(DatasetSplit.PRODUCTION), *PRE_PRODUCTION_SPLITS):
        if environment_id(model_id, split) == str(environment):
            return split
    return None
