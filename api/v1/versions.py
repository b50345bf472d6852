"""v1 versions: create, list, get, change status, promote (optionally gated)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, patch, post

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.services.versions import Gate as GateRule
from perfledger.api.services.versions import Versions
from perfledger.api.tenant_positions import shown
from perfledger.domain.application import PerfLedger
from perfledger.domain.vocabulary import DatasetSplit, VersionStatus
from perfledger.projections.database import Database
from perfledger.projections.registry.queries import find_model, find_version, list_versions

VERSION_ID = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class VersionCreate(msgspec.Struct, forbid_unknown_fields=True):
    version_id: VERSION_ID | None = None
    description: str = ""
    params: dict[str, Any] = {}


class VersionCreated(msgspec.Struct):
    version_id: str
    status: str
    position: int


class VersionStatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: VersionStatus


class VersionStatusChanged(msgspec.Struct):
    version_id: str
    status: str
    position: int


class Gate(msgspec.Struct, forbid_unknown_fields=True):
    dataset_split: DatasetSplit = DatasetSplit.TEST
    min: dict[str, float] = {}
    max: dict[str, float] = {}


class Promotion(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""
    gate: Gate | None = None


class Promoted(msgspec.Struct):
    promoted_version_id: str
    previous_version_id: str | None
    position: int


class VersionOut(msgspec.Struct):
    version_id: str
    status: str
    promoted: bool
    description: str
    params: dict[str, Any]
    created_at: str
    updated_at: str
    promoted_at: str | None
    row_counts: dict[str, int]


READ = [requires_any("model:read")]
WRITE = [requires("model:write")]
READS = {"position": reading("registry", "performance")}


class VersionController(Controller):
    path = "/models/{model_id:str}/versions"
    tags = ["v1 versions"]

    @post("/", guards=WRITE, operation_id="v1CreateVersion", status_code=201,
          sync_to_thread=True)
    def create_version(
        self, model_id: str, data: VersionCreate, principal: Principal, ledger: PerfLedger
    ) -> VersionCreated:
        version_id, position = ledger.create_version(
            principal.caller, parse_id(model_id, "Model"), data.version_id, data.description,
            data.params)
        return VersionCreated(version_id, "draft", shown(position))

    @get("/", guards=READ, operation_id="v1ListVersions", sync_to_thread=True,
         dependencies=READS)
    def list_versions(
        self, model_id: str, principal: Principal, position: int, database: Database
    ) -> Response[list[VersionOut]]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        versions = msgspec.convert(list_versions(database, model.model_id), list[VersionOut],
                                   from_attributes=True)
        return answer(versions, position)

    @get("/{version_id:str}", guards=READ, operation_id="v1GetVersion", sync_to_thread=True,
         dependencies=READS)
    def get_version(
        self, model_id: str, version_id: str, principal: Principal, position: int,
        database: Database,
    ) -> Response[VersionOut]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        version = find_version(database, model.model_id, version_id)
        return answer(msgspec.convert(version, VersionOut, from_attributes=True), position)

    @patch("/{version_id:str}", guards=WRITE, operation_id="v1ChangeVersionStatus",
           sync_to_thread=True)
    def change_status(
        self, model_id: str, version_id: str, data: VersionStatusChange, principal: Principal,
        ledger: PerfLedger,
    ) -> VersionStatusChanged:
        position = ledger.change_version_status(
            principal.caller, parse_id(model_id, "Model"), version_id, data.status)
        return VersionStatusChanged(version_id, str(data.status), shown(position))

    @post("/{version_id:str}/promote", guards=WRITE, operation_id="v1PromoteVersion",
          status_code=200)
    async def promote(
        self, model_id: str, version_id: str, principal: Principal, versions: Versions,
        data: Promotion | None = None,
    ) -> Promoted:
        promotion = data or Promotion()
        gate = promotion.gate
        rule = None if gate is None else GateRule(str(gate.dataset_split), gate.min, gate.max)
        previous, position = await versions.promote(
            principal.caller, parse_id(model_id, "Model"), version_id, promotion.reason, rule)
        return Promoted(version_id, previous, shown(position))
