"""Organization names: what an operator calls each organization, so the command line can
take `--org acme` where a token holds the organization's id. One directory for the whole
store, kept by the command line alone (no API reads or changes it)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as
from perfledger.domain.errors import Conflict, InvalidInput

DIRECTORY_ID = uuid.uuid5(uuid.NAMESPACE_URL, "perfledger:organization-directory")
NAME_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"Organization name {name[:80]!r}: {NAME_RULE}", {"field": "name"})
    return name


@stored_as("domain.organizations")
class OrganizationDirectory(Aggregate):
    class Started(Aggregate.Created):
        pass

    class Named(Aggregate.Event):
        organization_id: str
        name: str

    @classmethod
    def create_id(cls, *args: Any, **kwargs: Any) -> uuid.UUID:
        return DIRECTORY_ID

    @event(Started)
    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # organization id -> name

    def id_named(self, name: str) -> str | None:
        return next((org for org, given in self.names.items() if given == name), None)

    def give_name(self, organization_id: str, name: str) -> None:
        holder = self.id_named(checked_name(name))
        if holder is not None and holder != organization_id:
            raise Conflict(f"The name {name!r} is organization {holder}'s already")
        if self.names.get(organization_id) != name:
            self._named(organization_id, name)

    @event(Named)
    def _named(self, organization_id: str, name: str) -> None:
        self.names[organization_id] = name
