"""Webhooks as fiddler-client manages them (`/v2/webhooks`), over perfledger's webhooks.

A webhook made here has a provider (SLACK, MS_TEAMS or OTHER; those made through v1 are
OTHER), receives every alert event (raised, escalated, eased, resolved), and has a name no
other webhook of the organization has (409, as Fiddler answers). The destination checks and
the per-organization cap are those of v1. `Webhook.update()` sends its fields form-encoded,
not as JSON: the patch reads either.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import HTTPException

from perfledger.api.auth import ADMIN, Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.item_filters import item_filter, parse_filter, sort_items
from perfledger.api.v3.people import organization_of
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.monitoring.destinations import MAX_URL_CHARS
from perfledger.domain.monitoring.webhook import PROVIDERS, Webhook
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.database import Database
from perfledger.projections.monitoring.queries import webhooks_of

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_URL_CHARS)]
Provider = Annotated[str, msgspec.Meta(max_length=64)]
ADMINS = [requires(ADMIN)]
READS = {"position": reading("monitoring")}
FIELDS = ("id", "name", "url", "provider", "created_at", "updated_at")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    url: Url
    provider: Provider


class WebhookChange(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    url: Url | msgspec.UnsetType = msgspec.UNSET
    provider: Provider | msgspec.UnsetType = msgspec.UNSET


class WebhookOut(msgspec.Struct):
    id: str
    uuid: str  # the client reads the id from here
    name: str
    url: str
    provider: str
    created_at: str
    updated_at: str
    organization_name: str


def webhook_out(webhook: Webhook, principal: Principal) -> WebhookOut:
    return WebhookOut(str(webhook.id), str(webhook.id), webhook.name, webhook.url,
                      webhook.provider, format_timestamp(webhook.created_on),
                      format_timestamp(webhook.modified_on), organization_of(principal).name)


class Webhooks:
    def __init__(self, container: Container) -> None:
        self._ledger = container.ledger
        self._monitoring = container.services.monitoring
        self._read = container.services.read

    async def create(self, principal: Principal, body: WebhookCreate) -> WebhookOut:
        provider = _provider(body.provider)
        name = _name(body.name)
        await self._monitoring.check_url(body.url)

        def register() -> tuple[Webhook, int]:
            self._check_name(principal, name, None)
            return self._ledger.register_named_webhook(principal.caller, name, body.url,
                                                       provider)

        webhook, position = await self._monitoring.within_room(principal.caller, register)
        await self._read.show(["monitoring"], position)
        return webhook_out(webhook, principal)

    async def change(self, principal: Principal, webhook_id: str, body: WebhookChange
                     ) -> WebhookOut:
        found = parse_id(webhook_id, "Webhook")
        webhook = await anyio.to_thread.run_sync(self._ledger.get_webhook, principal.caller,
                                                 found)
        changes: dict[str, Any] = {}
        if body.provider is not msgspec.UNSET:
            changes["provider"] = _provider(body.provider)
        if body.name is not msgspec.UNSET and body.name != webhook.name:
            changes["name"] = _name(body.name)
            await anyio.to_thread.run_sync(self._check_name, principal, changes["name"],
                                           str(found))
        if body.url is not msgspec.UNSET and body.url != webhook.url:
            await self._monitoring.check_url(body.url)
            changes["url"] = body.url
        webhook, position = await anyio.to_thread.run_sync(
            self._ledger.change_named_webhook, principal.caller, found, changes)
        await self._read.show(["monitoring"], position)
        return webhook_out(webhook, principal)

    async def delete(self, principal: Principal, webhook_id: str) -> str:
        found = parse_id(webhook_id, "Webhook")
        position = await anyio.to_thread.run_sync(self._ledger.delete_named_webhook,
                                                  principal.caller, found)
        await self._read.show(["monitoring"], position)
        return str(found)

    def _check_name(self, principal: Principal, name: str, renamed: str | None) -> None:
        """No other webhook of the organization has the name, as the read model shows them
        (webhooks made through v1 too, whose names are not claimed)."""
        for row in webhooks_of(self._read.database, principal.organization_id):
            if row.name == name and row.webhook_id != renamed:
                raise Conflict(f"A webhook integration with the provided name ({name}) already"
                               " exists. Webhook names must be unique.",
                               {"field": "name", "existing_id": row.webhook_id})


def _provider(provider: str) -> str:
    if provider not in PROVIDERS:
        raise InvalidInput(f"Invalid webhook: provider '{provider}' is not one of"
                           f" {', '.join(PROVIDERS)}", {"field": "provider"})
    return provider


def _name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("Invalid webhook: name must not be blank", {"field": "name"})
    return name


async def _change_of(request: Request[Any, Any, Any]) -> WebhookChange:
    """The patch, form-encoded (as fiddler-client sends it) or JSON."""
    media_type = request.content_type[0]
    try:
        if media_type in FORMS:
            form = await request.form()
            raw: Any = {key: value for key, value in form.items()}
        else:
            raw = await request.json()
    except (InvalidInput, HTTPException):
        raise
    except Exception as error:  # a body that is neither a form nor JSON
        raise InvalidInput(f"Invalid webhook: the body is not a form or JSON ({error})",
                           {"field": "body"}) from None
    try:
        return msgspec.convert(raw, WebhookChange)
    except msgspec.ValidationError as error:
        raise InvalidInput(f"Invalid webhook: {error}", {"field": "body"}) from None


def provide_webhooks(container: Container) -> Webhooks:
    return Webhooks(container)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["v3 webhooks"]
    dependencies = {"webhooks": Provide(provide_webhooks, sync_to_thread=False)}

    @post("/", guards=ADMINS, operation_id="v2CreateWebhook", status_code=200)
    async def create_webhook(self, data: WebhookCreate, principal: Principal,
                             webhooks: Webhooks) -> Normal[WebhookOut]:
        """The URL must be https:// to a public address unless the operator allows it."""
        return normal(await webhooks.create(principal, data))

    @get("/", guards=ADMINS, operation_id="v2ListWebhooks", sync_to_thread=True,
         dependencies=READS)
    def list_webhooks(
        self, principal: Principal, database: Database, ledger: PerfLedger, position: int,
        filter: str | None = None, ordering: str | None = None, limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response[Paginated[WebhookOut]]:
        """The organization's webhooks, oldest first; `filter` as elsewhere in v3."""
        keep = item_filter(parse_filter(filter), FIELDS) if filter is not None else None
        found = []
        for row in webhooks_of(database, principal.organization_id):
            try:
                found.append(webhook_out(ledger.get_webhook(principal.caller,
                                                            parse_id(row.webhook_id, "Webhook")),
                                         principal))
            except NotFound:  # deleted since the read model listed it
                continue
        outs = {out.id: out for out in found}
        items = [msgspec.structs.asdict(out) for out in found]
        kept = sort_items([item for item in items if keep is None or keep(item)], ordering,
                          FIELDS, "created_at")
        page = [outs[str(item["id"])] for item in kept[offset:offset + limit]]
        return answer(paginated(page, len(kept), limit, offset), position)

    @get("/{webhook_id:str}", guards=ADMINS, operation_id="v2GetWebhook", sync_to_thread=True)
    def get_webhook(self, webhook_id: str, principal: Principal, ledger: PerfLedger
                    ) -> Normal[WebhookOut]:
        webhook = ledger.get_webhook(principal.caller, parse_id(webhook_id, "Webhook"))
        return normal(webhook_out(webhook, principal))

    @patch("/{webhook_id:str}", guards=ADMINS, operation_id="v2UpdateWebhook")
    async def update_webhook(self, webhook_id: str, request: Request[Any, Any, Any],
                             principal: Principal, webhooks: Webhooks) -> Normal[WebhookOut]:
        """Changes the fields sent (`name`, `url`, `provider`), form-encoded or as JSON."""
        return normal(await webhooks.change(principal, webhook_id, await _change_of(request)))

    @delete("/{webhook_id:str}", guards=ADMINS, operation_id="v2DeleteWebhook",
            status_code=200)
    async def delete_webhook(self, webhook_id: str, principal: Principal, webhooks: Webhooks
                             ) -> Normal[dict[str, str]]:
        return normal({"id": await webhooks.delete(principal, webhook_id)})
