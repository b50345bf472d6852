"""The Webhook aggregate: where an organization's alert and promotion events are delivered."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as
from perfledger.domain.errors import NotFound

WEBHOOK_EVENTS = ("alert.raised", "alert.escalated", "alert.eased", "alert.resolved",
                  "version.promoted")
ALERT_EVENTS = WEBHOOK_EVENTS[:4]
# What the receiving end is, as fiddler-client names it; webhooks registered without one
# (through v1, or before providers were recorded) are OTHER.
PROVIDERS = ("SLACK", "MS_TEAMS", "OTHER")
DEFAULT_PROVIDER = "OTHER"


@stored_as("domain.webhook")
class Webhook(Aggregate):
    class Registered(Aggregate.Created):
        organization_id: str
        name: str
        url: str
        events: list[str]
        secret: str  # signs each delivery's body (HMAC-SHA256); never shown after creation
        provider: str = DEFAULT_PROVIDER  # absent from events recorded before it existed

    class Changed(Aggregate.Event):
        changes: dict[str, Any]  # name, url, events, provider or paused

    class Deleted(Aggregate.Event):
        pass

    @event(Registered)
    def __init__(self, organization_id: str, name: str, url: str, events: list[str],
                 secret: str, provider: str = DEFAULT_PROVIDER) -> None:
        self.organization_id = organization_id
        self.name = name
        self.url = url
        self.events = events
        self.secret = secret
        self.provider = provider
        self.paused = False  # paused: nothing is sent, and events meanwhile are not kept for it
        self.deleted = False

    def change(self, changes: dict[str, Any]) -> bool:
        self._check_present()
        changed = {key: value for key, value in changes.items() if getattr(self, key) != value}
        if changed:
            self._changed(changed)
        return bool(changed)

    def delete(self) -> None:
        self._check_present()
        self._deleted()

    def _check_present(self) -> None:
        if self.deleted:
            raise NotFound(f"Webhook '{self.id}' not found")

    @event(Changed)
    def _changed(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
