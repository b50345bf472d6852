"""Several processes doing the same thing at the same moment: how a race between processes
starting together is made to happen in a test, many rounds over."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.synchronize import Barrier
from typing import Any

ROUND_TIMEOUT_SECONDS = 60


def in_processes_at_once(work: Callable[[Any], Any], rounds: Sequence[Any], processes: int,
                         before_each: Callable[[Any], None] = lambda _: None
                         ) -> list[list[Any]]:
    """For each item of `rounds`: `before_each(item)` here, then `work(item)` in each of
    `processes` processes, released together. What each call returned, by round; an error
    comes back as its type and message. `work` is a module's function (the processes are
    spawned, as a service's are, so they share no state with the test)."""
    spawn = multiprocessing.get_context("spawn")
    start, outcomes = spawn.Barrier(processes + 1), spawn.Queue()
    workers = [spawn.Process(target=_each_round, args=(work, rounds, start, outcomes))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        results = []
        for item in rounds:
            before_each(item)
            start.wait(timeout=ROUND_TIMEOUT_SECONDS)
            results.append([outcomes.get(timeout=ROUND_TIMEOUT_SECONDS) for _ in workers])
        return results
    finally:
        for worker in workers:
            worker.join(timeout=10)
            worker.kill()


def _each_round(work: Callable[[Any], Any], rounds: Sequence[Any], start: Barrier,
                outcomes: multiprocessing.Queue[Any]) -> None:
    for item in rounds:
        start.wait(timeout=ROUND_TIMEOUT_SECONDS)
        try:
            outcomes.put(work(item))
        except Exception as error:  # reported to the test, whatever it is
            outcomes.put(f"{type(error).__name__}: {error}")
