"""Commands on projects: create (names unique per organization), find, delete when empty."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from perfledger.domain.aggregate import ACTING_USER
from perfledger.domain.catalog.project import Project
from perfledger.domain.catalog.project_gate import ProjectGate
from perfledger.domain.commands.claims import ClaimCommands
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.values import Caller

PROJECT_NAME = "project"


class ProjectCommands(ClaimCommands):
    def create_project(self, caller: Caller, name: str) -> tuple[Project, int]:
        if not name.strip():
            raise InvalidInput("Project name must not be empty")
        project = Project(caller.organization_id, name)
        claim = self._claim(
            PROJECT_NAME, caller.organization_id, name, project.id, f"Project '{name}'"
        )
        return project, self._save(project, claim)

    def project_of(self, caller: Caller, project_id: str) -> UUID:
        """The id of one of the caller's projects, given as text (not one: not found)."""
        try:
            project = UUID(project_id)
        except ValueError:
            raise NotFound(f"Project '{project_id[:100]}' not found") from None
        return self.get_project(caller, project).id

    def get_project(self, caller: Caller, project_id: UUID) -> Project:
        project = self._get(project_id, Project)
        project.check_visible_to(caller.organization_id)
        return project

    def membership_version(self, caller: Caller, project_id: UUID) -> int:
        """Where the project's gate stands; read it before counting the project's models, and
        `delete_project` refuses if a model has been onboarded since."""
        self.get_project(caller, project_id)
        version, _ = self._gate(project_id)
        return version

    def delete_project(
        self, caller: Caller, project_id: UUID, live_models: int, membership: int
    ) -> int:
        """Deletes an empty project: `live_models` is what the read model counted in it after
        `membership_version` answered `membership`."""
        project = self.get_project(caller, project_id)
        if live_models:
            raise Conflict(
                f"Project '{project.name}' holds {live_models} model(s); delete them first"
            )
        version, _ = self._gate(project_id)
        if version != membership:
            raise Conflict(
                f"Project '{project.name}' holds a model added just now; delete it first"
            )
        project.delete()
        claim = self._claim_of(PROJECT_NAME, caller.organization_id, project.name)
        claim.release(project.id)
        closed = self._gate_events(project_id, version, [(ProjectGate.Closed, {})], caller)
        return self._save(project, claim, *closed)

    def models_added(self, caller: Caller, project_id: UUID, model_ids: list[UUID]) -> list[Any]:
        """What to save with new models of the project: one gate event each. A deletion that
        commits first makes them conflict; once it has, the project is not found."""
        version, closed = self._gate(project_id)
        if closed:
            raise NotFound(f"Project '{project_id}' not found")
        added = [(ProjectGate.ModelAdded, {"model_id": str(m)}) for m in model_ids]
        return self._gate_events(project_id, version, added, caller)

    def _gate(self, project_id: UUID) -> tuple[int, bool]:
        """The version of the gate's last event (0 before its first), and whether it closed."""
        gate_id = ProjectGate.create_id(project_id)
        last = next(iter(self.events.get(gate_id, desc=True, limit=1)), None)
        if last is None:
            return 0, False
        return int(last.originator_version), isinstance(last, ProjectGate.Closed)

    def _gate_events(
        self, project_id: UUID, version: int, events: list[tuple[type[Any], dict[str, Any]]],
        caller: Caller,
    ) -> list[Any]:
        """`events` appended after `version`, without replaying the gate: a gate not opened yet
        is opened by them, else each event is made at its version directly."""
        if version == 0:
            gate = ProjectGate(project_id)
            for kind, fields in events:
                gate.trigger_event(kind, **fields)
            return [gate]
        gate_id = ProjectGate.create_id(project_id)
        return [
            kind(originator_id=gate_id, originator_version=version + offset,
                 timestamp=kind.create_timestamp(), actor=ACTING_USER.get(), **fields)
            for offset, (kind, fields) in enumerate(events, start=1)
        ]
