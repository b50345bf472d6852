"""A task woken while it runs runs once more right after, instead of the wake being skipped
until its next tick (a command whose event the running catch-up missed would wait for it)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from perfledger.scheduler import runner
from perfledger.scheduler.runner import Worker


class AlwaysLeading:
    def try_acquire(self) -> bool:
        return True

    def holds(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_a_wake_during_a_run_runs_the_task_again(monkeypatch):
    runs: list[int] = []
    second_run = threading.Event()
    worker = Worker(context=None, leadership=AlwaysLeading())  # type: ignore[arg-type]

    def catch_up(_context: Any) -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            worker.wake_catch_up()  # a command lands while the first run still runs
            time.sleep(0.5)  # long enough for the scheduler to have taken up that wake
        else:
            second_run.set()

    for name in runner.TASKS:  # the other tasks do nothing here
        monkeypatch.setitem(runner.TASKS, name, lambda _context: None)
    # Only wakes run it: its own tick is an hour away.
    monkeypatch.setitem(runner.TASKS, "catch_up", catch_up)
    monkeypatch.setitem(runner.TRIGGERS, "catch_up", lambda: IntervalTrigger(hours=1))
    worker.start()
    try:
        assert _eventually(lambda: worker.is_leading)
        worker.wake_catch_up()
        assert second_run.wait(5), runs
        assert runs == [1, 2]
    finally:
        worker.stop()


def _eventually(condition: Any, seconds: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        done.wait(0.05)
    return False


def test_a_tick_during_a_run_returns_quietly_and_a_failed_run_can_run_again(
        monkeypatch, caplog):
    runs: list[int] = []
    release = threading.Event()
    worker = Worker(context=None, leadership=AlwaysLeading())  # type: ignore[arg-type]

    def catch_up(_context: Any) -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            release.wait(5)  # the first run lasts until its ticks have come
        if len(runs) == 2:
            raise RuntimeError("a failing run")

    monkeypatch.setitem(runner.TASKS, "catch_up", catch_up)
    first = threading.Thread(target=worker._run_task, args=["catch_up", None])
    first.start()
    assert _eventually(lambda: runs == [1])
    with caplog.at_level("WARNING"):
        for _ in range(3):  # ticks while it runs
            assert worker._run_task("catch_up", None) is None
    release.set()
    first.join(5)
    assert runs == [1] and not caplog.records

    # Step: a run that fails leaves the task free for the next tick.
    with pytest.raises(RuntimeError):
        worker._run_task("catch_up", None)
    worker._run_task("catch_up", None)
    assert runs == [1, 2, 3]
