"""Commands on API keys: mint (stored as a hash), revoke, and find by the presented key."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from perfledger.domain.api_keys import ApiKey, format_key, hash_secret, new_secret, parse_key
from perfledger.domain.commands.base import LedgerBase
from perfledger.domain.errors import NotFound
from perfledger.domain.values import Caller


class ApiKeyCommands(LedgerBase):
    def mint_api_key(self, caller: Caller, scopes: Sequence[str]) -> tuple[UUID, str]:
        secret = new_secret()
        key = ApiKey(caller.organization_id, list(scopes), hash_secret(secret))
        self._save(key)
        return key.id, format_key(key.id, secret)

    def revoke_api_key(self, key_id: UUID) -> int:
        key = self._get(key_id, ApiKey)
        key.revoke()
        return self._save(key)

    def find_api_key(self, presented: str) -> ApiKey | None:
        parsed = parse_key(presented)
        if parsed is None:
            return None
        key_id, secret = parsed
        try:
            key = self._get(key_id, ApiKey)
        except NotFound:
            return None
        return key if key.matches(secret) else None
