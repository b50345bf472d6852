"""Monitors, alerts and webhooks: the commands with their caps, and the reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread

from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import Conflict
from perfledger.domain.monitoring.destinations import Allowance, check_destination
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.rules import MonitorRule
from perfledger.domain.monitoring.webhook import Webhook
from perfledger.domain.values import Caller
from perfledger.projections.monitoring.queries import (
    find_monitor,
    monitor_count,
    webhook_count,
)

# A monitor costs the evaluator one read per change of its series; a webhook one delivery
# per event. Both are per-tenant costs on a shared scheduler, so both are capped.
MAX_MONITORS_PER_MODEL = 100
MAX_WEBHOOKS_PER_ORGANIZATION = 20


class Monitoring:
    def __init__(self, ledger: PerfLedger, read: ReadSide, allowance: Allowance) -> None:
        self._ledger = ledger
        self._read = read
        self.allowance = allowance

    async def create_monitor(self, caller: Caller, model_id: UUID, rule: MonitorRule
                             ) -> tuple[Monitor, int]:
        await self._read.reach(["monitoring"], None)
        count = await anyio.to_thread.run_sync(monitor_count, self._read.database, str(model_id))
        if count >= MAX_MONITORS_PER_MODEL:
            raise Conflict(f"Model '{model_id}' has {count} monitors, the most a model may"
                           " have; delete one first", {"limit": MAX_MONITORS_PER_MODEL})
        return await anyio.to_thread.run_sync(self._ledger.create_monitor, caller, model_id,
                                              rule)

    async def change_monitor(self, caller: Caller, model_id: UUID, monitor_id: UUID,
                             changes: dict[str, Any]) -> tuple[Monitor, int | None]:
        return await anyio.to_thread.run_sync(self._ledger.change_monitor, caller, model_id,
                                              monitor_id, changes)

    async def last_change(self, monitor: Monitor) -> int:
        """The position of the monitor's last recorded change, as projected."""
        await self._read.reach(["monitoring"], None)
        row = await anyio.to_thread.run_sync(find_monitor, self._read.database, monitor.model_id,
                                             str(monitor.id))
        return row.position

    async def register_webhook(self, caller: Caller, name: str, url: str, events: list[str],
                               secret: str | None) -> tuple[Webhook, int]:
        await self.check_url(url)
        await self.check_room(caller)
        return await anyio.to_thread.run_sync(self._ledger.register_webhook, caller, name, url,
                                              events, secret)

    async def check_url(self, url: str) -> None:
        """400 unless a webhook may post to `url` (see `domain.monitoring.destinations`)."""
        await anyio.to_thread.run_sync(check_destination, url, self.allowance)

    async def check_room(self, caller: Caller) -> None:
        """409 when the organization has as many webhooks as it may."""
        count = await anyio.to_thread.run_sync(webhook_count, self._read.database,
                                               caller.organization_id)
        if count >= MAX_WEBHOOKS_PER_ORGANIZATION:
            raise Conflict(f"The organization has {count} webhooks, the most it may have;"
                           " delete one first", {"limit": MAX_WEBHOOKS_PER_ORGANIZATION})

    async def change_webhook(self, caller: Caller, webhook_id: UUID, changes: dict[str, Any]
                             ) -> tuple[Webhook, int | None]:
        if "url" in changes:
            await self.check_url(changes["url"])
        return await anyio.to_thread.run_sync(self._ledger.change_webhook, caller, webhook_id,
                                              changes)
