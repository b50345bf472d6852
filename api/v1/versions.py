"""v1 versions: create, list, get, change status, promote (optionally gated)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Response, get, patch, post

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, published_at_least, reading
from perfledger.api.ids import parse_id
from perfledger.domain.errors import Conflict
from perfledger.domain.vocabulary import DatasetSplit, VersionStatus
from perfledger.projections.performance.gates import check_gate_metrics, evaluate_gate
from perfledger.projections.performance.queries import find_summary
from perfledger.projections.registry.queries import (
    VersionRow,
    find_model,
    find_version,
    list_versions,
)

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


def version_out(row: VersionRow) -> VersionOut:
    return VersionOut(
        row.version_id,
        row.status,
        row.promoted,
        row.description,
        row.params,
        row.created_at,
        row.updated_at,
        row.promoted_at,
        row.row_counts,
    )




class VersionController(Controller):
    path = "/models/{model_id:str}/versions"
    tags = ["v1 versions"]

    @post(
        "/",
        guards=[requires("model:write")],
        operation_id="v1CreateVersion",
        status_code=201,
        sync_to_thread=True,
    )
    def create_version(
        self, model_id: str, data: VersionCreate, principal: Principal, container: Container
    ) -> VersionCreated:
        version_id, position = container.ledger.create_version(
            principal.caller,
            parse_id(model_id, "Model"),
            data.version_id,
            data.description,
            data.params,
        )
        container.wake_catch_up()
        return VersionCreated(version_id, "draft", position)

    @get(
        "/", guards=[requires_any("model:read")], operation_id="v1ListVersions",
        sync_to_thread=True,
        dependencies={"position": reading("registry", "performance")},
    )
    def list_versions(
        self,
        model_id: str,
        principal: Principal,
        position: int,
        container: Container,
    ) -> Response[list[VersionOut]]:
        model = find_model(
            container.database, principal.organization_id, str(parse_id(model_id, "Model"))
        )
        rows = list_versions(container.database, model.model_id)
        return answer([version_out(row) for row in rows], position)

    @get(
        "/{version_id:str}",
        guards=[requires_any("model:read")],
        operation_id="v1GetVersion",
        sync_to_thread=True,
        dependencies={"position": reading("registry", "performance")},
    )
    def get_version(
        self,
        model_id: str,
        version_id: str,
        principal: Principal,
        position: int,
        container: Container,
    ) -> Response[VersionOut]:
        model = find_model(
            container.database, principal.organization_id, str(parse_id(model_id, "Model"))
        )
        return answer(
            version_out(find_version(container.database, model.model_id, version_id)), position
        )

    @patch(
        "/{version_id:str}",
        guards=[requires("model:write")],
        operation_id="v1ChangeVersionStatus",
        sync_to_thread=True,
    )
    def change_status(
        self,
        model_id: str,
        version_id: str,
        data: VersionStatusChange,
        principal: Principal,
        container: Container,
    ) -> VersionStatusChanged:
        position = container.ledger.change_version_status(
            principal.caller, parse_id(model_id, "Model"), version_id, data.status
        )
        container.wake_catch_up()
        return VersionStatusChanged(version_id, str(data.status), position)

    @post(
        "/{version_id:str}/promote",
        guards=[requires("model:write")],
        operation_id="v1PromoteVersion",
        status_code=200,
    )
    async def promote(
        self,
        model_id: str,
        version_id: str,
        principal: Principal,
        container: Container,
        data: Promotion | None = None,
    ) -> Promoted:
        promotion = data or Promotion()
        uuid = parse_id(model_id, "Model")
        if promotion.gate is not None:
            await check_gate(container, principal, str(uuid), version_id, promotion.gate)

        def promote() -> tuple[str | None, int]:
            previous, position = container.ledger.promote_version(
                principal.caller, uuid, version_id, promotion.reason
            )
            container.wake_catch_up()
            return previous, position

        previous, position = await anyio.to_thread.run_sync(promote)
        return Promoted(version_id, previous, position)


async def check_gate(
    container: Container, principal: Principal, model_id: str, version_id: str, gate: Gate
) -> None:
    """Judges the gate on everything recorded before the promotion was asked for."""
    check_gate_metrics(gate.min, gate.max)

    def version_exists_and_head() -> int:
        model = container.ledger.get_model(principal.caller, parse_id(model_id, "Model"))
        model.version_of(version_id)
        return container.engine.log.head()

    head = await anyio.to_thread.run_sync(version_exists_and_head)
    await published_at_least(container, ["performance"], head)
    summary = await anyio.to_thread.run_sync(
        find_summary, container.database, model_id, version_id, str(gate.dataset_split)
    )
    result = evaluate_gate(summary, gate.min, gate.max)
    if not result.passed:
        failing = [
            {"metric": c.metric, "bound": c.bound, "threshold": c.threshold, "value": c.value}
            for c in result.failures
        ]
        names = ", ".join(
            f"{c.metric} {c.value} vs {c.bound} {c.threshold}" for c in result.failures
        )
        raise Conflict(
            f"Promotion gate not met on '{gate.dataset_split}': {names}",
            {"failing_metrics": failing},
        )
