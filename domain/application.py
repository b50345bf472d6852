"""The write-side service: one Application, so every projection follows one ordered log."""

from __future__ import annotations

from domain.commands.api_keys import ApiKeyCommands
from domain.commands.artifacts import ArtifactCommands
from domain.commands.files import FileCommands
from domain.commands.jobs import JobCommands
from domain.commands.publishing import PublishCommands
from domain.commands.recompute import RecomputeCommands


class PerfLedger(
    PublishCommands,
    ArtifactCommands,
    JobCommands,
    RecomputeCommands,
    FileCommands,
    ApiKeyCommands,
):
    """Every command group over one event store; each group lives in `domain/commands/`."""

    name = "perfledger"
