"""CPU-heavy work on request runs in a bounded pool of its own, with a bounded queue shared
fairly between organizations.

Reading uploaded tables, listing archives, inferring schemas, reading a window's rows and
replaying the log for time travel can each take seconds of CPU. On the threads that answer
queries they would make every other organization wait; here at most `workers` run at once
and at most `queue` wait. A free turn goes to the waiting organization whose last turn began
longest ago, so an organization with many requests waiting delays another's only by what is
already running. One organization holds at most half the queue, so it cannot fill it for
the others: a request beyond either bound is told to come back (503 with Retry-After).
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread

T = TypeVar("T")
RETRY_AFTER_SECONDS = 5


class Busy(Exception):
    """The heavy-work queue is full, for everyone or for this organization: the request is
    refused, nothing was done."""

    def __init__(self, queue: int, organization_share: bool = False) -> None:
        whose = "this organization's " if organization_share else ""
        super().__init__(
            f"The service is busy with {queue} of {whose}heavy requests (file reads, archives,"
            f" row windows, time travel) already waiting; retry in {RETRY_AFTER_SECONDS} s"
        )
        self.retry_after = RETRY_AFTER_SECONDS


class HeavyWork:
    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        # Turns belong to the event loop they were made in (a test may run several).
        self._turns: dict[asyncio.AbstractEventLoop, _Turns] = {}

    @property
    def queue_per_organization(self) -> int:
        return max(1, self.queue // 2)

    async def run(self, organization_id: str, function: Callable[..., T], *args: object) -> T:
        turns = self._turns_of(asyncio.get_running_loop())
        if turns.waiting >= self.queue:
            raise Busy(self.queue)
        if turns.waiting_for(organization_id) >= self.queue_per_organization:
            raise Busy(self.queue_per_organization, organization_share=True)
        await turns.take(organization_id)
        try:
            # not cancellable: the turn is given back only once the work has stopped
            return await anyio.to_thread.run_sync(function, *args)
        finally:
            turns.give_back(organization_id)

    def _turns_of(self, loop: asyncio.AbstractEventLoop) -> _Turns:
        found = self._turns.get(loop)
        if found is None:
            self._turns = {**{k: v for k, v in self._turns.items() if not k.is_closed()},
                           loop: _Turns(self.workers)}
            found = self._turns[loop]
        return found


class _Turns:
    """`workers` turns, handed to the waiting organization whose last turn began longest ago
    (one that has had none first): one with many requests waiting delays another by the
    requests already running at most. Touched only from its event loop."""

    def __init__(self, workers: int) -> None:
        self._free = workers
        self._queues: dict[str, deque[asyncio.Future[None]]] = {}
        self._waiting: Counter[str] = Counter()
        self._running: Counter[str] = Counter()
        self._last_turn: dict[str, int] = {}  # of the organizations waiting or running
        self._turns_given = 0

    @property
    def waiting(self) -> int:
        return self._waiting.total()

    def waiting_for(self, organization_id: str) -> int:
        return self._waiting[organization_id]

    async def take(self, organization_id: str) -> None:
        if self._free > 0 and not self._queues:
            self._free -= 1
            self._begin(organization_id)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(organization_id, deque()).append(turn)
        self._waiting[organization_id] += 1
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.give_back(organization_id)  # handed a turn as the request went away
            raise
        finally:
            self._waiting[organization_id] -= 1
            self._forget_if_idle(organization_id)

    def give_back(self, organization_id: str) -> None:
        self._running[organization_id] -= 1
        self._forget_if_idle(organization_id)
        while self._queues:
            chosen = min(self._queues, key=lambda waiting: self._last_turn.get(waiting, -1))
            queue = self._queues[chosen]
            turn = queue.popleft()
            if not queue:
                del self._queues[chosen]
            if not turn.done():
                turn.set_result(None)
                self._begin(chosen)
                return
        self._free += 1

    def _begin(self, organization_id: str) -> None:
        self._running[organization_id] += 1
        self._last_turn[organization_id] = self._turns_given
        self._turns_given += 1

    def _forget_if_idle(self, organization_id: str) -> None:
        if not self._waiting[organization_id] and not self._running[organization_id]:
            self._waiting.pop(organization_id, None)
            self._running.pop(organization_id, None)
            self._last_turn.pop(organization_id, None)
