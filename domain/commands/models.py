"""Commands on models and their versions: register, create, change status, promote."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID, uuid4

import msgspec

from perfledger.domain.commands.projects import ProjectCommands
from perfledger.domain.errors import Conflict, NotFound
from perfledger.domain.inputs.baselines import BaselineDefinition
from perfledger.domain.inputs.columns import MAX_COLUMNS, ColumnSpec
from perfledger.domain.limits import (
    MAX_PARAMS_BYTES,
    MAX_TEXT_CHARS,
    check_chars,
    check_encoded_size,
)
from perfledger.domain.registry.model import Model
from perfledger.domain.values import (
    Caller,
    ModelDefinition,
    check_model_definition,
    default_project_id,
)
from perfledger.domain.vocabulary import VersionStatus

MAX_JOIN_ATTEMPTS = 5


class ModelCommands(ProjectCommands):
    def register_model(self, caller: Caller, definition: ModelDefinition) -> tuple[Model, int]:
        """Files the model in the organization's default project, or in one of its own
        projects (another organization's, or an unknown one, is not found). A project is
        joined through its gate, so a deletion of the project cannot also commit."""
        check_model_definition(definition)
        default = default_project_id(caller.organization_id)
        project_id = definition.project_id or default
        project = None if project_id == default else self.project_of(caller, project_id)
        attempts = 0
        while True:
            attempts += 1
            model = Model(
                organization_id=caller.organization_id,
                project_id=project_id,
                name=definition.name,
                task=str(definition.task),
                labels=list(definition.labels),
                positive_label=definition.positive_label,
                inputs=list(definition.inputs),
                description=definition.description,
            )
            if definition.columns:
                model.declare_columns([column.to_json() for column in definition.columns])
            joined = [] if project is None else self.models_added(caller, project, [model.id])
            try:
                return model, self._save(model, *joined)
            except Conflict:
                if attempts >= MAX_JOIN_ATTEMPTS:
                    raise

    def get_model(self, caller: Caller, model_id: UUID) -> Model:
        model = self._get(model_id, Model)
        if model.organization_id != caller.organization_id or model.deleted:
            raise NotFound(f"Model '{model_id}' not found")
        return model

    def create_baseline(self, caller: Caller, model_id: UUID, name: str,
                        definition: BaselineDefinition, make_default: bool) -> tuple[str, int]:
        """Records a baseline of the model; Conflict on a name it has already."""
        model = self.get_model(caller, model_id)
        baseline_id = str(uuid4())
        model.create_baseline(baseline_id, name, definition.to_json(), make_default)
        return baseline_id, self._save(model)

    def change_column(self, caller: Caller, model_id: UUID, column: ColumnSpec) -> int:
        """Records a column's new spec (a new column, or a change to one): the input
        statistics count it from then on, and recount the rows they keep."""
        model = self.get_model(caller, model_id)
        known = {entry["name"] for entry in model.columns}
        if column.name not in known and len(known) >= MAX_COLUMNS:
            raise Conflict(f"A model declares at most {MAX_COLUMNS} columns")
        model.declare_columns([column.to_json()])
        return self._save(model)

    def delete_baseline(self, caller: Caller, model_id: UUID, baseline_id: str) -> int:
        model = self.get_model(caller, model_id)
        model.delete_baseline(baseline_id)
        return self._save(model)

    def create_version(
        self,
        caller: Caller,
        model_id: UUID,
        version_id: str | None,
        description: str = "",
        params: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        check_chars("description", description, MAX_TEXT_CHARS)
        check_encoded_size("params", len(msgspec.json.encode(params or {})), MAX_PARAMS_BYTES)
        model = self.get_model(caller, model_id)
        version_id = version_id or f"ver-{secrets.token_hex(5)}"
        model.create_version(version_id, description, params or {})
        return version_id, self._save(model)

    def change_version_status(
        self, caller: Caller, model_id: UUID, version_id: str, status: VersionStatus
    ) -> int:
        model = self.get_model(caller, model_id)
        model.change_version_status(version_id, status)
        return self._save(model)

    def promote_version(
        self, caller: Caller, model_id: UUID, version_id: str, reason: str = "",
        evidence: dict[str, Any] | None = None,
    ) -> tuple[str | None, int]:
        """`evidence`: what a gate judged (see Model.VersionPromoted)."""
        check_chars("reason", reason, MAX_TEXT_CHARS)
        model = self.get_model(caller, model_id)
        previous = model.promote_version(version_id, reason, evidence)
        return previous, self._save(model)
