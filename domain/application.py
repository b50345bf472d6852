"""The write-side service: one Application, so every projection follows one ordered log."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

from eventsourcing.persistence import Recording

from perfledger.domain.commands.api_keys import ApiKeyCommands
from perfledger.domain.commands.artifacts import ArtifactCommands
from perfledger.domain.commands.files import FileCommands
from perfledger.domain.commands.jobs import JobCommands
from perfledger.domain.commands.monitoring import MonitoringCommands
from perfledger.domain.commands.organizations import OrganizationCommands
from perfledger.domain.commands.publishing import PublishCommands
from perfledger.domain.commands.recompute import RecomputeCommands


class PerfLedger(
    PublishCommands,
    ArtifactCommands,
    JobCommands,
    MonitoringCommands,
    RecomputeCommands,
    FileCommands,
    ApiKeyCommands,
    OrganizationCommands,
):
    """Every command group over one event store; each group lives in `domain/commands/`."""

    name = "perfledger"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env=env)
        # Called after every save with the stored topics of the events saved; the composition
        # root makes it count them and wake the catch-up.
        self.after_save: Callable[[Sequence[str]], None] = _nothing

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        self.after_save([recording.notification.topic for recording in recordings])


def _nothing(topics: Sequence[str]) -> None:
    """Nobody to tell."""
