"""The write-side service: one Application, so every projection follows one ordered log."""

from __future__ import annotations

from domain.commands.api_keys import ApiKeyCommands
from domain.commands.jobs import JobCommands
from domain.commands.recompute import RecomputeCommands
from domain.commands.rows import RowCommands


class PerfLedger(RowCommands, JobCommands, RecomputeCommands, ApiKeyCommands):
    """Every command group over one event store; each group lives in `domain/commands/`."""

    name = "perfledger"
