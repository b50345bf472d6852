"""Commands on projects: create (names unique per organization), find, delete."""

from __future__ import annotations

from uuid import UUID

from domain.commands.claims import ClaimCommands
from domain.errors import Conflict, InvalidInput
from domain.project import Project
from domain.values import Caller

PROJECT_NAME = "project"


class ProjectCommands(ClaimCommands):
    def create_project(self, caller: Caller, name: str) -> tuple[Project, int]:
        if not name.strip():
            raise InvalidInput("Project name must not be empty")
        project = Project(caller.organization_id, name, caller.actor)
        claim = self._claim(
            PROJECT_NAME, caller.organization_id, name, project.id, f"Project '{name}'"
        )
        return project, self._save(project, claim)

    def get_project(self, caller: Caller, project_id: UUID) -> Project:
        project = self._get(project_id, Project)
        project.check_visible_to(caller.organization_id)
        return project

    def delete_project(self, caller: Caller, project_id: UUID, live_models: int) -> int:
        """Deletes an empty project; `live_models` is what the registry counts in it now."""
        project = self.get_project(caller, project_id)
        if live_models:
            raise Conflict(
                f"Project '{project.name}' holds {live_models} model(s); delete them first"
            )
        project.delete(caller.actor)
        claim = self._claim_of(PROJECT_NAME, caller.organization_id, project.name)
        claim.release(project.id)
        return self._save(project, claim)
