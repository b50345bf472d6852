"""The write-side service: one Application, so every projection follows one ordered log."""

from __future__ import annotations

from perfledger.domain.commands.api_keys import ApiKeyCommands
from perfledger.domain.commands.artifacts import ArtifactCommands
from perfledger.domain.commands.files import FileCommands
from perfledger.domain.commands.jobs import JobCommands
from perfledger.domain.commands.publishing import PublishCommands
from perfledger.domain.commands.recompute import RecomputeCommands


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
