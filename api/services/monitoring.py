"""Monitors, alerts and webhooks: the commands with their caps, and the reads."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
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

T = TypeVar("T")

# A monitor costs the evaluator one read per change of its series; a webhook one delivery
# per event. Both are per-tenant costs on a shared scheduler, so both are capped.
MAX_MONITORS_PER_MODEL = 100
MAX_WEBHOOKS_PER_ORGANIZATION = 20


class Monitoring:
    def __init__(self, ledger: PerfLedger, read: ReadSide, allowance: Allowance) -> None:
        self._ledger = ledger
        self._read = read
        self.allowance = allowance
        # one per capped count being added to now; gone when no one holds it
        self._cap_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def create_monitor(self, caller: Caller, model_id: UUID, rule: MonitorRule
                             ) -> tuple[Monitor, int]:
        async with self._one_at_a_time(f"monitors of {model_id}"):
            count = await anyio.to_thread.run_sync(monitor_count, self._read.database,
                                                   str(model_id))
            if count >= MAX_MONITORS_PER_MODEL:
                raise Conflict(f"Model '{model_id}' has {count} monitors, the most a model may"
                               " have; delete one first", {"limit": MAX_MONITORS_PER_MODEL})
            return await anyio.to_thread.run_sync(self._ledger.create_monitor, caller,
                                                  model_id, rule)

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
        return await self.within_room(caller, lambda: self._ledger.register_webhook(
            caller, name, url, events, secret))

    async def check_url(self, url: str) -> None:
        """400 unless a webhook may post to `url` (see `domain.monitoring.destinations`)."""
        await anyio.to_thread.run_sync(check_destination, url, self.allowance)

    async def within_room(self, caller: Caller, register: Callable[[], T]) -> T:
        """`register` (run on a thread) unless the organization has as many webhooks as it
        may (409)."""
        async with self._one_at_a_time(f"webhooks of {caller.organization_id}"):
            count = await anyio.to_thread.run_sync(webhook_count, self._read.database,
                                                   caller.organization_id)
            if count >= MAX_WEBHOOKS_PER_ORGANIZATION:
                raise Conflict(f"The organization has {count} webhooks, the most it may have;"
                               " delete one first", {"limit": MAX_WEBHOOKS_PER_ORGANIZATION})
            return await anyio.to_thread.run_sync(register)

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, capped: str) -> AsyncIterator[None]:
        """A capped count is read, and the command that adds to it appended, one command at a
        time per `capped`, once the projections show every event recorded: a burst cannot
        pass the cap (within a process; each server process lets one through at a time)."""
        lock = self._cap_locks.get(capped)
        if lock is None:
            lock = self._cap_locks[capped] = asyncio.Lock()
        async with lock:
            await self._read.catch_up(["monitoring"])
            yield

    async def change_webhook(self, caller: Caller, webhook_id: UUID, changes: dict[str, Any]
                             ) -> tuple[Webhook, int | None]:
        if "url" in changes:
            await self.check_url(changes["url"])
        return await anyio.to_thread.run_sync(self._ledger.change_webhook, caller, webhook_id,
                                              changes)
