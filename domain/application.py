"""The write-side service: one Application, so every projection follows one ordered log."""

from __future__ import annotations

from domain.commands.api_keys import ApiKeyCommands
from domain.commands.files import FileCommands
from domain.commands.recompute import RecomputeCommands
from domain.commands.registry import RegistryCommands
from domain.commands.rows import RowCommands


class PerfLedger(
    RowCommands, RecomputeCommands, RegistryCommands, FileCommands, ApiKeyCommands
):
    """Every command group over one event store; each group lives in `domain/commands/`."""

    name = "perfledger"
