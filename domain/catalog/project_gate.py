"""The project gate: onboarding into a project and deleting it append to it; only one wins."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, GainedActor, stored_as

GATE_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/project-gates")


@stored_as("domain.project_gate")
class ProjectGate(Aggregate):
    """One per project. Onboarding appends `ModelAdded` and deletion appends `Closed`, each at
    the version after the last event it read, so when they race the event store refuses one.

    Commands read only its last event and never replay it, so it may grow with the project
    at no cost to them; the Project aggregate itself stays small.
    """

    class Opened(GainedActor, Aggregate.Created):
        project_id: UUID

    class ModelAdded(Aggregate.Event):
        model_id: str

        def apply(self, aggregate: Any) -> None:
            """A model joined; the project's state does not change."""

    class Closed(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            aggregate.closed = True

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return uuid5(GATE_NAMESPACE, str(project_id))

    @event(Opened)
    def __init__(self, project_id: UUID) -> None:
        self.project_id = project_id
        self.closed = False
