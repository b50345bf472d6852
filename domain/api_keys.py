"""API keys: minted by the CLI, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as

KEY_PREFIX = "plk"


def hash_secret(secret: str) -> str:
    # Keys are 256-bit random, so a fast hash is as strong as a slow one here.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def format_key(key_id: UUID, secret: str) -> str:
    return f"{KEY_PREFIX}_{key_id.hex}_{secret}"


def parse_key(key: str) -> tuple[UUID, str] | None:
    prefix, _, rest = key.partition("_")
    key_hex, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not secret:
        return None
    try:
        return UUID(hex=key_hex), secret
    except ValueError:
        return None


@stored_as("domain.credentials")
class ApiKey(Aggregate):
    class Minted(Aggregate.Created):
        organization_id: str
        scopes: list[str]
        secret_hash: str

    class Revoked(Aggregate.Event):
        pass

    @event(Minted)
    def __init__(self, organization_id: str, scopes: list[str], secret_hash: str) -> None:
        self.organization_id = organization_id
        self.scopes = scopes
        self.secret_hash = secret_hash
        self.revoked = False

    def matches(self, secret: str) -> bool:
        return not self.revoked and hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @event(Revoked)
    def revoke(self) -> None:
        self.revoked = True
