"""v3 model artifacts and surrogates: uploads recorded against the model, each with a job."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, post, put

from api.auth import Principal, requires
from api.bootstrap import Container
from api.v3.consistency import settle
from api.v3.envelope import JobRef, JobStarted, Normal, normal
from api.v3.files import blob_store, store_upload
from api.v3.ids import parse_id
from domain.archives import archive_members
from domain.background_jobs import BackgroundJob
from domain.errors import InvalidInput
from domain.files import StoredFile


class ArtifactDeploy(msgspec.Struct, forbid_unknown_fields=True):
    file_id: str
    deployment_params: dict[str, Any] = {}


class SurrogateDeploy(msgspec.Struct, forbid_unknown_fields=True):
    env_id: str | None = None
    deployment_params: dict[str, Any] = {}


class ArtifactController(Controller):
    path = "/models/{model_id:str}"
    tags = ["v3 artifacts"]

    @post("/deploy-artifact", guards=[requires("model:write")],
          operation_id="v3DeployArtifact", status_code=200)
    async def deploy_artifact(
        self, model_id: str, request: Request[Any, Any, Any], principal: Principal,
        container: Container,
    ) -> Normal[JobStarted]:
        """A multipart `file` (the archive), or JSON naming an uploaded one, as the client does."""
        return await _deploy_artifact(model_id, request, principal, container)

    @put("/deploy-artifact", guards=[requires("model:write")],
         operation_id="v3UpdateArtifact", status_code=200)
    async def update_artifact(
        self, model_id: str, request: Request[Any, Any, Any], principal: Principal,
        container: Container,
    ) -> Normal[JobStarted]:
        return await _deploy_artifact(model_id, request, principal, container)

    @post("/deploy-surrogate", guards=[requires("model:write")],
          operation_id="v3DeploySurrogate", status_code=202)
    async def deploy_surrogate(
        self, model_id: str, data: SurrogateDeploy, principal: Principal, container: Container
    ) -> Normal[JobStarted]:
        return await _deploy_surrogate(model_id, data, principal, container)

    @put("/deploy-surrogate", guards=[requires("model:write")],
         operation_id="v3UpdateSurrogate", status_code=202)
    async def update_surrogate(
        self, model_id: str, data: SurrogateDeploy, principal: Principal, container: Container
    ) -> Normal[JobStarted]:
        return await _deploy_surrogate(model_id, data, principal, container)


async def _deploy_surrogate(
    model_id: str, data: SurrogateDeploy, principal: Principal, container: Container
) -> Normal[JobStarted]:
    job, position = await anyio.to_thread.run_sync(
        container.ledger.request_surrogate,
        principal.caller,
        parse_id(model_id, "Model"),
        data.env_id,
        data.deployment_params,
    )
    await settle(container, position)
    return normal(JobStarted(JobRef(str(job.id), job.name)))


async def _deploy_artifact(
    model_id: str, request: Request[Any, Any, Any], principal: Principal, container: Container
) -> Normal[JobStarted]:
    model_uuid = parse_id(model_id, "Model")
    params: dict[str, Any] = {}
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = dict(await request.form())
        archive = await anyio.to_thread.run_sync(store_upload, container, principal, form)
    else:
        try:
            body = msgspec.json.decode(await request.body(), type=ArtifactDeploy)
        except msgspec.DecodeError as error:
            raise InvalidInput(
                f"Send the archive as a multipart 'file', or {{file_id}}: {error}"
            ) from None
        params = body.deployment_params
        archive = container.ledger.get_file(principal.caller, parse_id(body.file_id, "File"))

    def record(stored: StoredFile) -> tuple[BackgroundJob, int]:
        files = archive_members(blob_store(container).existing(stored.digest))
        return container.ledger.record_artifact(
            principal.caller, model_uuid, stored, files, params
        )

    job, position = await anyio.to_thread.run_sync(record, archive)
    await settle(container, position)
    return normal(JobStarted(JobRef(str(job.id), job.name)))
