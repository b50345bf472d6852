"""Commands on uploaded files: record an upload (its bytes are already stored), find one."""

from __future__ import annotations

from uuid import UUID

from perfledger.domain.catalog.files import StoredFile
from perfledger.domain.commands.base import LedgerBase
from perfledger.domain.errors import NotFound
from perfledger.domain.values import Caller


class FileCommands(LedgerBase):
    def record_file(
        self, caller: Caller, filename: str, file_type: str, digest: str, size: int
    ) -> tuple[StoredFile, int]:
        stored = self.new_file(caller, filename, file_type, digest, size)
        return stored, self._save(stored)

    def new_file(
        self, caller: Caller, filename: str, file_type: str, digest: str, size: int
    ) -> StoredFile:
        """An upload not saved yet, for a command that records it together with its use."""
        return StoredFile(caller.organization_id, filename, file_type, digest, size)

    def get_file(self, caller: Caller, file_id: UUID) -> StoredFile:
        stored = self._get(file_id, StoredFile)
        if stored.organization_id != caller.organization_id:
            raise NotFound(f"File '{file_id}' not found")
        return stored
