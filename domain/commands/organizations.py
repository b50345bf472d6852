"""Commands on organization names: give one, find an organization by its name."""

from __future__ import annotations

import uuid

from perfledger.domain.commands.base import LedgerBase
from perfledger.domain.errors import NotFound
from perfledger.domain.organizations import DIRECTORY_ID, OrganizationDirectory


class OrganizationCommands(LedgerBase):
    def organization_names(self) -> dict[str, str]:
        """Every named organization: id -> name."""
        return dict(self._organization_directory().names)

    def name_organization(self, organization_id: str, name: str) -> int:
        directory = self._organization_directory()
        directory.give_name(str(uuid.UUID(organization_id)), name)
        return self._save(directory) if directory.pending_events else 0

    def organization_named(self, name: str) -> str | None:
        return self._organization_directory().id_named(name)

    def _organization_directory(self) -> OrganizationDirectory:
        try:
            return self._get(DIRECTORY_ID, OrganizationDirectory)
        except NotFound:
            return OrganizationDirectory()
