"""v3 model artifacts and surrogates: uploads recorded against the model, each with a job."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, post, put

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.ids import parse_id
from perfledger.api.storage.archives import archive_members
from perfledger.api.v3.consistency import settle
from perfledger.api.v3.envelope import JobRef, JobStarted, Normal, normal
from perfledger.api.v3.files import Upload, blob_store, upload_in
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
    """Checks the model and reads the archive before anything is stored, then records the
    upload (when the archive came in this request), the artifact and its job in one save."""
    model_uuid = parse_id(model_id, "Model")
    caller, ledger = principal.caller, container.ledger
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

    def record() -> tuple[Operation, int]:
        ledger.get_entry(caller, model_uuid)
        store = blob_store(container)
        if upload is not None:
            files = archive_members(io.BytesIO(upload.content))
            # The bytes go to disk before the event that names them; if the save then fails,
            # an unreferenced blob stays behind, never an event without its bytes.
            digest = store.put(upload.content)
            archive = ledger.new_file(
                caller, upload.filename, upload.file_type, digest, len(upload.content)
            )
        else:
            assert file_uuid is not None
            archive = ledger.get_file(caller, file_uuid)
            with store.existing(archive.digest).open("rb") as content:
                files = archive_members(content)
        return ledger.record_artifact(caller, model_uuid, archive, files, params)

    job, position = await container.heavy.run(record)  # listing an archive is heavy work
    await settle(container, position)
    return normal(JobStarted(JobRef(str(job.id), job.name)))
