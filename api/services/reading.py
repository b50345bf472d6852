"""The read side as a request sees it: how far the projections have got, and waiting for them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import anyio.to_thread

from perfledger.api.errors import NotReady
from perfledger.domain.values import BatchReceipt
from perfledger.projections.database import Database
from perfledger.projections.engine import Engine

WAIT_STEP_SECONDS = 0.01


class ReadSide:
    """Waits are awaited on the event loop against the positions kept in memory, so any
    number of waiting requests holds no worker thread."""

    def __init__(self, engine: Engine, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout
        self.waiting = 0  # requests waiting for a position right now (event loop only)

    @property
    def database(self) -> Database:
        return self.engine.database

    def position_of(self, receipt: BatchReceipt) -> int:
        """A batch's position; a resent batch's is its first sending's."""
        if receipt.position is not None:
            return receipt.position
        original = self.engine.log.position_of_first_event(receipt.batch_key)
        assert original is not None, f"batch {receipt.batch_key} was recorded but has no position"
        return original

    def position(self, projections: Sequence[str]) -> int:
        """What every one of `projections` has made visible."""
        return self.engine.positions.lowest(projections)

    async def reach(self, projections: Sequence[str], position: int | None,
                    timeout: float | None = None) -> int:
        """Waits (at most `timeout`, else the configured one) until `projections` show
        `position`; NotReady if they do not."""
        seen = self.position(projections)
        if position is None or seen >= position:
            return seen
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self.waiting += 1
        try:
            while seen < position:
                if time.monotonic() >= deadline:
                    raise NotReady(position, seen)
                await asyncio.sleep(WAIT_STEP_SECONDS)
                seen = self.position(projections)
        finally:
            self.waiting -= 1
        return seen

    async def catch_up(self, projections: Sequence[str]) -> int:
        """Waits until `projections` show everything recorded so far."""
        head = await anyio.to_thread.run_sync(self.engine.log.head)
        return await self.reach(projections, head)

    async def show(self, projections: Sequence[str], position: int | None) -> None:
        """Read-your-writes for a client that never sends `min_position`: waits for a command
        to be visible, and answers anyway when it is late (the command was recorded)."""
        with contextlib.suppress(NotReady):
            await self.reach(projections, position)
