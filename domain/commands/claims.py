"""Taking and releasing unique names, shared by the project and registry command groups."""

from __future__ import annotations

from uuid import UUID

from perfledger.domain.catalog.claims import NameClaim
from perfledger.domain.commands.base import LedgerBase
from perfledger.domain.errors import NotFound


class ClaimCommands(LedgerBase):
    def _claim(
        self, kind: str, organization_id: str, name: str, holder: UUID, what: str
    ) -> NameClaim:
        """The claim on `name`, taken by `holder`; a Conflict when another holds it."""
        try:
            claim = self._get(NameClaim.create_id(kind, organization_id, name), NameClaim)
        except NotFound:
            return NameClaim(kind, organization_id, name, holder)
        claim.take(holder, what)
        return claim

    def _claim_of(self, kind: str, organization_id: str, name: str) -> NameClaim:
        return self._get(NameClaim.create_id(kind, organization_id, name), NameClaim)
