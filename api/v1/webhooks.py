"""v1 webhooks: where an organization's alerts and promotions are delivered, and the log of
every delivery attempt."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import Parameter

from perfledger.api.auth import ADMIN, Principal, requires
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.services.monitoring import Monitoring
from perfledger.api.tenant_positions import named, shown, shown_or_none
from perfledger.domain.application import PerfLedger
from perfledger.domain.monitoring.destinations import MAX_URL_CHARS
from perfledger.domain.monitoring.webhook import Webhook
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.database import Database
from perfledger.projections.monitoring.queries import WebhookRow, find_webhook, webhooks_of
from perfledger.scheduler.webhooks.log import deliveries_of

EventName = Literal["alert.raised", "alert.escalated", "alert.eased", "alert.resolved",
                    "version.promoted"]
Events = Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=5)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_URL_CHARS)]
Name = Annotated[str, msgspec.Meta(max_length=200)]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: Events
    name: Name = ""
    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=256)] | None = None


class WebhookChange(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | None = None
    events: Events | None = None
    name: Name | None = None
    # Paused: nothing is sent; pending deliveries wait, and events meanwhile get none.
    paused: bool | None = None


class WebhookOut(msgspec.Struct):
    webhook_id: str
    name: str
    url: str
    events: list[str]
    created_at: str
    updated_at: str
    paused: bool


class WebhookCreated(WebhookOut, kw_only=True):
    secret: str  # shown once: it signs every delivery's body
    position: int


class WebhookChanged(WebhookOut, kw_only=True):
    position: int | None  # of the change; None when nothing changed (nothing was recorded)


class WebhookDeleted(msgspec.Struct):
    webhook_id: str
    deleted: bool
    position: int


class Attempt(msgspec.Struct):
    attempt: int
    at: str
    status_code: int | None
    error: str | None
    seconds: float


class Delivery(msgspec.Struct):
    delivery_id: str
    position: int
    type: str
    state: str  # pending | delivered | failed (given up after 24 h) | cancelled
    attempt_count: int
    created_at: str
    next_attempt_at: str | None
    body: dict[str, Any]
    attempts: list[Attempt]


ADMINS = [requires(ADMIN)]
READS = {"position": reading("monitoring")}


def _out(row: WebhookRow) -> WebhookOut:
    return WebhookOut(row.webhook_id, row.name, row.url, row.events, row.created_at,
                      row.updated_at, row.paused)


def _written(webhook: Webhook) -> WebhookOut:
    return WebhookOut(str(webhook.id), webhook.name, webhook.url, list(webhook.events),
                      format_timestamp(webhook.created_on), format_timestamp(webhook.modified_on),
                      webhook.paused)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["v1 webhooks"]

    @post("/", guards=ADMINS, operation_id="v1CreateWebhook", status_code=201)
    async def create(self, data: WebhookCreate, principal: Principal,
                     monitoring: Monitoring) -> WebhookCreated:
        """The URL must be https:// to a public address unless the operator allows it."""
        events = list(dict.fromkeys(data.events))
        webhook, position = await monitoring.register_webhook(
            principal.caller, data.name, data.url, list(events), data.secret)
        return WebhookCreated(**msgspec.structs.asdict(_written(webhook)),
                              secret=webhook.secret, position=shown(position))

    @get("/", guards=ADMINS, operation_id="v1ListWebhooks", sync_to_thread=True,
         dependencies=READS)
    def list_webhooks(self, principal: Principal, position: int, database: Database
                      ) -> Response[list[WebhookOut]]:
        return answer([_out(row) for row in webhooks_of(database, principal.organization_id)],
                      position)

    @get("/{webhook_id:str}", guards=ADMINS, operation_id="v1GetWebhook", sync_to_thread=True,
         dependencies=READS)
    def get_webhook(self, webhook_id: str, principal: Principal, position: int,
                    database: Database) -> Response[WebhookOut]:
        row = find_webhook(database, principal.organization_id,
                           str(parse_id(webhook_id, "Webhook")))
        return answer(_out(row), position)

    @patch("/{webhook_id:str}", guards=ADMINS, operation_id="v1ChangeWebhook")
    async def change(self, webhook_id: str, data: WebhookChange, principal: Principal,
                     monitoring: Monitoring) -> WebhookChanged:
        """Changes the fields given. `paused: true` stops deliveries: those pending wait, and
        events until it resumes get none."""
        changes = {name: value for name, value in msgspec.structs.asdict(data).items()
                   if value is not None}
        if "events" in changes:
            changes["events"] = list(dict.fromkeys(changes["events"]))
        webhook, position = await monitoring.change_webhook(
            principal.caller, parse_id(webhook_id, "Webhook"), changes)
        return WebhookChanged(**msgspec.structs.asdict(_written(webhook)),
                              position=shown_or_none(position))

    @delete("/{webhook_id:str}", guards=ADMINS, operation_id="v1DeleteWebhook",
            status_code=200, sync_to_thread=True)
    def delete_webhook(self, webhook_id: str, principal: Principal, ledger: PerfLedger
                       ) -> WebhookDeleted:
        position = ledger.delete_webhook(principal.caller, parse_id(webhook_id, "Webhook"))
        return WebhookDeleted(webhook_id, True, shown(position))

    @get("/{webhook_id:str}/deliveries", guards=ADMINS, operation_id="v1WebhookDeliveries",
         sync_to_thread=True, dependencies=READS)
    def deliveries(
        self, webhook_id: str, principal: Principal, position: int, database: Database,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> Response[list[Delivery]]:
        """Newest first, each with every attempt: time, status code, error."""
        row = find_webhook(database, principal.organization_id,
                           str(parse_id(webhook_id, "Webhook")), deleted_too=True)
        found = msgspec.convert(deliveries_of(database, row.webhook_id, limit, offset),
                                list[Delivery])
        for delivery in found:
            delivery.position = named(delivery.position)
        return answer(found, position)
