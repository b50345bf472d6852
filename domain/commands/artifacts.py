"""Commands recording a model's artifact and surrogate deployments, each with its finished job."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from perfledger.domain.catalog.files import StoredFile
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.commands.files import FileCommands
from perfledger.domain.commands.registry import RegistryCommands
from perfledger.domain.limits import MAX_PARAMS_BYTES, check_encoded_size
from perfledger.domain.values import Caller


class ArtifactCommands(RegistryCommands, FileCommands):
    def record_artifact(
        self,
        caller: Caller,
        model_id: UUID,
        archive: StoredFile,
        files: list[dict[str, Any]],
        deployment_params: dict[str, Any],
    ) -> tuple[Operation, int]:
        """Records the archive's file list on the model, with its finished job.

        `archive` is either an earlier upload or a new one not saved yet (see `new_file`); a
        new one is saved in the same transaction, so a refused artifact records no file.
        """
        _check_params(deployment_params)
        model = self.get_entry(caller, model_id)
        model.record_artifact(str(archive.id), archive.digest, files)
        info = {"model_id": str(model_id), "file_id": str(archive.id), "files": len(files),
                "deployment_params": deployment_params}
        job = Operation(caller.organization_id, f"Deploy artifact of {model.name}",
                            model.id, info)
        job.succeed({})
        return job, self._save(archive, model, job)

    def request_surrogate(
        self, caller: Caller, model_id: UUID, env_id: str | None, params: dict[str, Any]
    ) -> tuple[Operation, int]:
        """Records the deployment request: this service keeps the record, it runs no container."""
        _check_params(params)
        model = self.get_entry(caller, model_id)
        model.record_surrogate(env_id, params)
        info = {"model_id": str(model_id), "env_id": env_id, "deployment_params": params}
        job = Operation(caller.organization_id, f"Deploy surrogate of {model.name}",
                            model.id, info)
        job.succeed({})
        return job, self._save(model, job)


def _check_params(params: dict[str, Any]) -> None:
    size = len(msgspec.json.encode(params))
    check_encoded_size("deployment_params", size, MAX_PARAMS_BYTES)
