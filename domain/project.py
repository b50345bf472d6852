"""The Project aggregate: a named folder of models inside an organization."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from domain.errors import NotFound


class Project(Aggregate):
    """A project; its name is unique in its organization (see `NameClaim`)."""

    @event("Created")
    def __init__(self, organization_id: str, name: str, actor: str) -> None:
        self.organization_id = organization_id
        self.name = name
        self.deleted = False

    def check_visible_to(self, organization_id: str) -> None:
        if self.deleted or self.organization_id != organization_id:
            raise NotFound(f"Project '{self.id}' not found")

    def delete(self, actor: str) -> None:
        self._deleted(actor)

    @event("Deleted")
    def _deleted(self, actor: str) -> None:
        self.deleted = True
