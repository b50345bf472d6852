"""Who and where, as v3 shows them: users (UUIDs derived from the token subject), organizations."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

import msgspec

from perfledger.api.auth import Principal

USER_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/users")
DEFAULT_ORGANIZATION_NAME = "perfledger"


class Organization(msgspec.Struct):
    id: str
    name: str


class User(msgspec.Struct):
    id: str
    full_name: str
    email: str


class ProjectRef(msgspec.Struct):
    id: str
    name: str


def user(actor: str) -> User:
    """The client wants a UUID for each user; the audit trail keeps the token's subject."""
    return User(str(uuid5(USER_NAMESPACE, actor)), actor, "")


def organization_of(principal: Principal) -> Organization:
    return Organization(
        principal.organization_id, principal.organization_name or DEFAULT_ORGANIZATION_NAME
    )
