"""Domain errors: every rule the write side enforces fails with one of these."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    """The resource does not exist in the caller's organization."""


class Conflict(DomainError):
    """The command contradicts the current state (lifecycle, duplicates, races)."""


class InvalidInput(DomainError):
    """The command's content breaks a rule; `details` names each problem."""


class Unprocessable(DomainError):
    """The resource exists but cannot answer this (wrong task, nothing trained)."""


class BatchReused(Conflict):
    """A batch id recorded before, sent again with other rows: `receipt` is the first one's."""

    def __init__(self, receipt: Any) -> None:
        super().__init__(
            f"batch_id '{receipt.batch_id}' was already used for other rows; send them with a "
            "new batch_id",
            {"batch_id": receipt.batch_id, "accepted": receipt.accepted},
        )
        self.receipt = receipt
