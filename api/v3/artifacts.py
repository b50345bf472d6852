"""v3 model artifacts and surrogates: uploads recorded against the model, each with a job."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post, put

from perfledger.api.auth import Principal, requires
from perfledger.api.ids import parse_id
from perfledger.api.services.catalog import Catalog, Upload
from perfledger.api.v3.envelope import JobRef, JobStarted, Normal, normal
from perfledger.api.v3.files import upload_in
from perfledger.domain.bounded_json import within_json_depth
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.errors import InvalidInput


class ArtifactDeploy(msgspec.Struct, forbid_unknown_fields=True):
    file_id: str
    deployment_params: dict[str, Any] = {}


class SurrogateDeploy(msgspec.Struct, forbid_unknown_fields=True):
    env_id: str | None = None
    deployment_params: dict[str, Any] = {}


class ArtifactController(Controller):
    path = "/models/{model_id:str}"
    tags = ["v3 artifacts"]
    guards = [requires("model:write")]

    @post("/deploy-artifact", operation_id="v3DeployArtifact", status_code=200)
    async def deploy_artifact(
        self, model_id: str, request: Request[Any, Any, Any], principal: Principal,
        catalog: Catalog,
    ) -> Normal[JobStarted]:
        """A multipart `file` (the archive), or JSON naming an uploaded one, as the client does."""
        return await _deploy_artifact(model_id, request, principal, catalog)

    @put("/deploy-artifact", operation_id="v3UpdateArtifact", status_code=200)
    async def update_artifact(
        self, model_id: str, request: Request[Any, Any, Any], principal: Principal,
        catalog: Catalog,
    ) -> Normal[JobStarted]:
        return await _deploy_artifact(model_id, request, principal, catalog)

    @post("/deploy-surrogate", operation_id="v3DeploySurrogate", status_code=202)
    async def deploy_surrogate(
        self, model_id: str, data: SurrogateDeploy, principal: Principal, catalog: Catalog
    ) -> Normal[JobStarted]:
        return _started(await catalog.request_surrogate(
            principal.caller, parse_id(model_id, "Model"), data.env_id, data.deployment_params))

    @put("/deploy-surrogate", operation_id="v3UpdateSurrogate", status_code=202)
    async def update_surrogate(
        self, model_id: str, data: SurrogateDeploy, principal: Principal, catalog: Catalog
    ) -> Normal[JobStarted]:
        return _started(await catalog.request_surrogate(
            principal.caller, parse_id(model_id, "Model"), data.env_id, data.deployment_params))


async def _deploy_artifact(
    model_id: str, request: Request[Any, Any, Any], principal: Principal, catalog: Catalog
) -> Normal[JobStarted]:
    model_uuid = parse_id(model_id, "Model")
    params: dict[str, Any] = {}
    upload: Upload | None = None
    file_uuid: UUID | None = None
    if request.headers.get("content-type", "").startswith("multipart/"):
        upload = upload_in(dict(await request.form()))
    else:
        try:
            raw = await request.body()
            body = within_json_depth(raw, lambda data: msgspec.json.decode(
                data, type=ArtifactDeploy))
        except msgspec.DecodeError as error:
            raise InvalidInput(
                f"Send the archive as a multipart 'file', or {{file_id}}: {error}"
            ) from None
        params, file_uuid = body.deployment_params, parse_id(body.file_id, "File")
    return _started(await catalog.deploy_artifact(principal.caller, model_uuid, upload,
                                                  file_uuid, params))


def _started(operation: Operation) -> Normal[JobStarted]:
    return normal(JobStarted(JobRef(str(operation.id), operation.name)))
