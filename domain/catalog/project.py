"""The Project aggregate: a named folder of models inside an organization."""

from __future__ import annotations

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as
from perfledger.domain.errors import NotFound


@stored_as("domain.project")
class Project(Aggregate):
    """A project; its name is unique in its organization (see `NameClaim`)."""

    class Created(Aggregate.Created):
        organization_id: str
        name: str

    class Deleted(Aggregate.Event):
        pass

    @event(Created)
    def __init__(self, organization_id: str, name: str) -> None:
        self.organization_id = organization_id
        self.name = name
        self.deleted = False

    def check_visible_to(self, organization_id: str) -> None:
        if self.deleted or self.organization_id != organization_id:
            raise NotFound(f"Project '{self.id}' not found")

    def delete(self) -> None:
        self._deleted()

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
