"""CPU-heavy work on request runs in a bounded pool of its own, with a bounded queue.

Reading uploaded tables, listing archives, inferring schemas and replaying the log for time
travel can each take seconds of CPU. On the threads that answer queries they would make
every other organization wait; here at most `workers` run at once, at most `queue` wait, and
a request beyond that is told to come back (503 with Retry-After).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")
RETRY_AFTER_SECONDS = 5


class Busy(Exception):
    """The heavy-work queue is full: the request is refused, nothing was done."""

    def __init__(self, queue: int) -> None:
        super().__init__(
            f"The service is busy with {queue} heavy requests (file reads, archives, time"
            f" travel) already waiting; retry in {RETRY_AFTER_SECONDS} s"
        )
        self.retry_after = RETRY_AFTER_SECONDS


class HeavyWork:
    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        # A limiter belongs to the event loop it was made in.
        self._limiters: dict[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = {}

    async def run(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            self._limiters = {**{k: v for k, v in self._limiters.items() if not k.is_closed()},
                              loop: anyio.CapacityLimiter(self.workers)}
            limiter = self._limiters[loop]
        if limiter.statistics().tasks_waiting >= self.queue:
            raise Busy(self.queue)
        return await anyio.to_thread.run_sync(function, *args, limiter=limiter)
