"""Times `engine.catch_up_all` from position 0 to the head, in its own process; prints JSON."""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.projections.engine import CatchUpResult, Engine


def peak_rss_kb() -> int:
    """This process's peak resident set so far (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def instrument(engine: Engine, seconds: dict[str, float]) -> None:
    """Times each projection's catch_up and every summary refresh, without changing them.

    `catch_up_all` calls `self.catch_up` per projection, so wrapping the bound methods on this
    instance times exactly the code the scheduler runs.
    """
    catch_up: Callable[[str, float], CatchUpResult] = engine.catch_up
    settle: Callable[[Any, Any, int], None] = engine._settle

    def timed_catch_up(name: str, budget_seconds: float = 1.0) -> CatchUpResult:
        started = time.perf_counter()
        before = peak_rss_kb()
        try:
            return catch_up(name, budget_seconds)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            key = f"peak_rise_kb:{name}"  # settles included
            seconds[key] = seconds.get(key, 0) + max(0, peak_rss_kb() - before)

    def timed_settle(tx: Any, projection: Any, generation: int) -> None:
        started = time.perf_counter()
        before = peak_rss_kb()
        try:
            settle(tx, projection, generation)
        finally:
            # How far the peak rose inside settles, to tell their memory from the pages'.
            rise = max(0, peak_rss_kb() - before)  # VmHWM can lag by a few pages
            seconds["settle_peak_rise_kb"] = seconds.get("settle_peak_rise_kb", 0) + rise
            key = f"settle:{projection.name}"
            seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
            seconds["settle_calls"] = seconds.get("settle_calls", 0) + 1

    engine.catch_up = timed_catch_up
    engine._settle = timed_settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=1.0,
                        help="budget_seconds per catch_up_all call (the scheduler uses 1.0)")
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    parser.add_argument("--max-calls", type=int, default=1_000_000)
    parser.add_argument("--profile", type=Path, help="write cProfile stats here")
    args = parser.parse_args()

    container = build_container(Settings.from_env())
    engine = container.engine
    names = list(engine.projections)
    seconds: dict[str, float] = {}
    instrument(engine, seconds)
    head = engine.log.head()
    seconds["peak_before_kb"] = peak_rss_kb()
    start_position = engine.visible_position(names)
    profiler = cProfile.Profile() if args.profile else None
    deadline = time.monotonic() + args.max_seconds
    calls = applied = 0
    caught_up = False
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    while calls < args.max_calls and time.monotonic() < deadline:
        applied += engine.catch_up_all(args.budget)
        calls += 1
        if engine.visible_position(names) >= head:
            caught_up = True
            break
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    container.close()
    print(json.dumps({
        "head": head,
        "start_position": start_position,
        "caught_up": caught_up,
        "seconds": elapsed,
        "calls": calls,
        "applied_events": applied,
        "breakdown": seconds,
        # ru_maxrss survives execve, so it also counts the parent's pages at fork time;
        # VmHWM belongs to this program's own address space.
        "peak_rss_kb": peak_rss_kb(),
        "ru_maxrss_kb": usage.ru_maxrss,
        "cpu_seconds": cpu,
    }))


if __name__ == "__main__":
    main()
