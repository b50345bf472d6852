"""The v3 catalog's commands: each is recorded, then shown to a client that reads right after.

fiddler-client reads right after it writes (create, then look up by name) and never sends a
position to wait for; so each command here waits (bounded) until the projections it names
show it. A slow catch-up only delays the answer: the command has been recorded either way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.services.reading import ReadSide
from perfledger.api.uploads.archives import archive_members
from perfledger.api.uploads.blobs import BlobStore
from perfledger.api.uploads.tables import read_table
from perfledger.domain.application import PerfLedger
from perfledger.domain.catalog.files import StoredFile
from perfledger.domain.catalog.inference import complete_spec, infer_schema
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.catalog.project import Project
from perfledger.domain.errors import NotFound
from perfledger.domain.registry.model import Model
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import Task
from perfledger.projections.catalog.queries import DEFAULT_PROJECT_NAME, models_in_project

CATALOG = ["catalog"]
EVERY_PROJECTION = ["catalog", "registry", "performance", "history"]


@dataclass(frozen=True)
class Upload:
    """An uploaded file's name, kind and content, read but not stored yet."""

    filename: str
    file_type: str
    content: bytes


class Catalog:
    def __init__(self, ledger: PerfLedger, read: ReadSide, heavy: HeavyWork,
                 blobs: BlobStore) -> None:
        self._ledger = ledger
        self._read = read
        self._heavy = heavy
        self._blobs = blobs

    async def create_project(self, caller: Caller, name: str) -> Project:
        project, position = await anyio.to_thread.run_sync(
            self._ledger.create_project, caller, name)
        await self._read.show(CATALOG, position)
        return project

    async def delete_project(self, caller: Caller, project_id: UUID) -> None:
        """The models it holds are counted once everything recorded so far is projected; one
        onboarded after that changes the gate's membership, and the deletion is refused."""
        membership = await anyio.to_thread.run_sync(
            self._ledger.membership_version, caller, project_id)
        await self._read.catch_up(["catalog", "registry"])

        def delete_if_empty() -> int:
            models = models_in_project(self._read.database, caller.organization_id,
                                       str(project_id))
            return self._ledger.delete_project(caller, project_id, models, membership)

        await self._read.show(CATALOG, await anyio.to_thread.run_sync(delete_if_empty))

    async def onboard_model(self, caller: Caller, project_id: UUID, name: str, task: Task,
                            entry: dict[str, Any]) -> tuple[Model, str]:
        """The model and its project's name."""
        model, position = await anyio.to_thread.run_sync(
            self._ledger.onboard_model, caller, project_id, name, task, entry)
        await self._read.show(CATALOG, position)
        return model, await anyio.to_thread.run_sync(self._project_name, caller, model)

    async def update_model(self, caller: Caller, model_id: UUID, task: Task | None,
                           changes: dict[str, Any]) -> tuple[Model, str]:
        position = await anyio.to_thread.run_sync(
            self._ledger.update_model, caller, model_id, task, changes)
        await self._read.show(CATALOG, position)

        def updated() -> tuple[Model, str]:
            model = self._ledger.get_entry(caller, model_id)
            return model, self._project_name(caller, model)

        return await anyio.to_thread.run_sync(updated)

    async def delete_model(self, caller: Caller, model_id: UUID) -> Operation:
        """Soft delete; answers once the projections have purged the model, when they can."""
        operation, position = await anyio.to_thread.run_sync(
            self._ledger.delete_model, caller, model_id)
        await self._read.show(EVERY_PROJECTION, position)
        return operation

    async def upload(self, caller: Caller, upload: Upload) -> StoredFile:
        """Stores the bytes by content, then records the upload."""

        def store() -> StoredFile:
            digest = self._blobs.put(upload.content)
            stored, _ = self._ledger.record_file(
                caller, upload.filename, upload.file_type, digest, len(upload.content))
            return stored

        return await anyio.to_thread.run_sync(store)

    async def deploy_artifact(self, caller: Caller, model_id: UUID, upload: Upload | None,
                              file_id: UUID | None, params: dict[str, Any]) -> Operation:
        """Checks the model and lists the archive (on the heavy-work pool) before anything
        is stored, then records the upload (when the archive came in the request), the
        artifact and its operation in one save."""

        def record() -> tuple[Operation, int]:
            self._ledger.get_entry(caller, model_id)
            if upload is not None:
                files = archive_members(io.BytesIO(upload.content))
                # The bytes go to disk before the event that names them; if the save then
                # fails, an unreferenced blob stays behind, never an event without its bytes.
                digest = self._blobs.put(upload.content)
                archive = self._ledger.new_file(caller, upload.filename, upload.file_type,
                                                digest, len(upload.content))
            else:
                assert file_id is not None
                archive = self._ledger.get_file(caller, file_id)
                with self._blobs.existing(archive.digest).open("rb") as content:
                    files = archive_members(content)
            return self._ledger.record_artifact(caller, model_id, archive, files, params)

        operation, position = await self._heavy.run(caller.organization_id, record)
        await self._read.show(CATALOG, position)
        return operation

    async def request_surrogate(self, caller: Caller, model_id: UUID, env_id: str | None,
                                params: dict[str, Any]) -> Operation:
        operation, position = await anyio.to_thread.run_sync(
            self._ledger.request_surrogate, caller, model_id, env_id, params)
        await self._read.show(CATALOG, position)
        return operation

    async def infer_model(self, caller: Caller, file_id: UUID, spec: dict[str, Any],
                          max_cardinality: int, sample_size: int
                          ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The schema inferred from a uniform sample of an uploaded file (on the heavy-work
        pool), and the spec completed with its columns."""

        def infer() -> tuple[dict[str, Any], dict[str, Any]]:
            stored = self._ledger.get_file(caller, file_id)
            frame = read_table(self._blobs.existing(stored.digest), stored.file_type,
                               as_text=True, sample=sample_size)
            return (infer_schema(frame, max_cardinality),
                    complete_spec(spec, list(frame.columns)))

        return await self._heavy.run(caller.organization_id, infer)

    def _project_name(self, caller: Caller, model: Model) -> str:
        try:
            return self._ledger.get_project(caller, UUID(model.project_id)).name
        except (NotFound, ValueError):
            return DEFAULT_PROJECT_NAME
