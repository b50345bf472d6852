"""Commands on v3 registry entries: onboard a trained model, update it, soft-delete it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from perfledger.domain.catalog.claims import NameClaim
from perfledger.domain.catalog.entry import check_entry, labels_of
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.commands.models import ModelCommands
from perfledger.domain.errors import Conflict, NotFound
from perfledger.domain.inputs.columns import columns_of_schema
from perfledger.domain.registry.model import Model
from perfledger.domain.values import Caller, ModelDefinition, check_model_definition
from perfledger.domain.vocabulary import Task, VersionStatus

MODEL_NAME = "model"
ONBOARDING_ATTEMPTS = 5


def _model_key(project_id: str, name: str, version: str) -> str:
    return f"{project_id}/{name}/{version}"


class RegistryCommands(ModelCommands):
    def onboard_model(
        self, caller: Caller, project_id: UUID, name: str, task: Task, entry: dict[str, Any]
    ) -> tuple[Model, int]:
        """Registers a model trained elsewhere: one version, named by its label, `trained`.

        It is saved with an event on the project's gate, so a deletion of the project cannot
        also commit. Two onboardings into one project contend there too: the one that lost
        prepares again (and finds the project gone if a deletion won).
        """
        attempts = 0
        while True:
            attempts += 1
            model, claim = self.onboarding(caller, project_id, name, task, entry)
            added = self.models_added(caller, project_id, [model.id])
            try:
                return model, self._save(model, claim, *added)
            except Conflict:
                if attempts >= ONBOARDING_ATTEMPTS:
                    raise

    def onboarding(
        self, caller: Caller, project_id: UUID, name: str, task: Task, entry: dict[str, Any]
    ) -> tuple[Model, NameClaim]:
        """The model and its name claim, checked but not saved yet; loaders save many at once,
        with `models_added` for each project."""
        self.get_project(caller, project_id)
        check_entry(task, entry)
        labels = labels_of(task, entry)
        definition = ModelDefinition(
            name=name,
            task=task,
            project_id=str(project_id),
            labels=tuple(labels),
            positive_label=labels[1] if task is Task.BINARY_CLASSIFICATION else None,
            inputs=tuple(entry["spec"].get("inputs") or []),
            description=entry.get("description") or "",
        )
        check_model_definition(definition)
        model = Model(
            organization_id=caller.organization_id,
            project_id=str(project_id),
            name=name,
            task=str(task),
            labels=list(definition.labels),
            positive_label=definition.positive_label,
            inputs=list(definition.inputs),
            description=definition.description,
        )
        version = str(entry["version"])
        model.create_version(version, "onboarded through the v3 registry", {})
        for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
            model.change_version_status(version, status)
        columns = columns_of_schema(entry["schema"]["columns"], list(definition.inputs))
        if columns:
            model.declare_columns([column.to_json() for column in columns])
        model.onboard(entry)  # last, so the model's modified_on is the entry's
        claim = self._claim(
            MODEL_NAME,
            caller.organization_id,
            _model_key(str(project_id), name, version),
            model.id,
            f"Model '{name}' version '{version}'",
        )
        return model, claim

    def get_entry(self, caller: Caller, model_id: UUID) -> Model:
        """A model onboarded through v3 (others have no registry entry: 404 here)."""
        model = self.get_model(caller, model_id)
        if model.entry is None:
            raise NotFound(f"Model '{model_id}' not found (it was registered through v1)")
        return model

    def update_model(
        self, caller: Caller, model_id: UUID, task: Task | None, changes: dict[str, Any]
    ) -> int | None:
        """Records the fields that change (None when nothing does); checks the result whole."""
        model = self.get_entry(caller, model_id)
        if task is not None and task is not model.task:
            raise Conflict(
                f"Model '{model_id}' is a {model.task} model; its rows were recorded as such,"
                " so its task cannot change"
            )
        entry = model.entry or {}
        changed = {key: value for key, value in changes.items() if entry.get(key) != value}
        if not changed:
            return None
        check_entry(model.task, {**entry, **changed})
        if labels_of(model.task, {**entry, **changed}) != model.labels:
            raise Conflict(
                f"Model '{model_id}' has the classes {model.labels}; they cannot change"
            )
        aggregates: list[Any] = [model]
        if "version" in changed:
            aggregates += self._move_claim(caller, model, entry["version"], changed["version"])
        model.update_entry(changed)
        return self._save(*aggregates)

    def _move_claim(self, caller: Caller, model: Model, old: str, new: str) -> list[Any]:
        org = caller.organization_id
        taken = self._claim(
            MODEL_NAME,
            org,
            _model_key(model.project_id, model.name, new),
            model.id,
            f"Model '{model.name}' version '{new}'",
        )
        released = self._claim_of(MODEL_NAME, org, _model_key(model.project_id, model.name, old))
        released.release(model.id)
        return [taken, released]

    def delete_model(self, caller: Caller, model_id: UUID) -> tuple[Operation, int]:
        """Soft-deletes at once; the job succeeds when the projections have purged its rows."""
        model = self.get_entry(caller, model_id)
        model.delete()
        entry = model.entry or {}
        claim = self._claim_of(
            MODEL_NAME,
            caller.organization_id,
            _model_key(model.project_id, model.name, entry["version"]),
        )
        claim.release(model.id)
        job = Operation(
            caller.organization_id,
            f"Delete model {model.name} {entry['version']}",
            model.id,
            {"model_id": str(model.id), "model_name": model.name},
            awaits_projection=True,
        )
        return job, self._save(model, claim, job)

    def get_operation(self, caller: Caller, job_id: UUID) -> Operation:
        job = self._get(job_id, Operation)
        if job.organization_id != caller.organization_id:
            raise NotFound(f"Job '{job_id}' not found")
        return job
