"""`perfledger serve`'s scheduler in a process of its own, on PostgreSQL.

In one process the request handlers and the catch-up take turns holding one interpreter
lock: under steady ingestion a busy series' catch-up spends its time waiting for it, and its
summary falls seconds to a minute behind (`bench/live.py`, bench/RESULTS.md), with neither
core busy. In a process of its own the catch-up keeps up. The server starts it, starts another
if it dies, and stops it on the way out; it stops itself if the server dies (a `kill -9`
leaves no orphan campaigning for the scheduler). Its leadership and its catch-up counts reach
the server's /metrics through shared memory, so one scrape still tells both.

On SQLite (one file, one writer at a time) the scheduler stays a thread of the server.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from perfledger.api.telemetry import Telemetry

log = logging.getLogger("perfledger.scheduler")

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of the server's threads
SHARE_EVERY_SECONDS = 0.1  # and as often it checks its server is still there
# An orphan leaves at once: nothing it was doing needs finishing (a catch-up page commits
# whole or not at all, and is applied again by the next worker), and while it lingers it holds
# the scheduler's leadership from the server that replaces its dead one.
ORPHAN_EXIT_SECONDS = 0.3
STOP_WAIT_SECONDS = 30.0
EXIT_GRACE_SECONDS = 10.0  # past stopping the scheduler: closing the connection pools
RESTART_BACKOFF_SECONDS = (1.0, 30.0)  # first wait, longest wait
STEADY_SECONDS = 60.0  # a worker that ran this long before dying is restarted after the first wait


class WorkerProcess:
    """The server's side: starts the worker process, watches it, relays what it shares."""

    def __init__(self, telemetry: Telemetry, projections: Sequence[str]) -> None:
        self._telemetry = telemetry
        self._projections = tuple(projections)
        # written by the worker alone, read here: no locks (aligned words, counts that grow)
        self._leading: ctypes.c_byte = SPAWN.RawValue(ctypes.c_byte, 0)
        self._applied: ctypes.Array[ctypes.c_int64] = SPAWN.RawArray(
            ctypes.c_int64, len(self._projections))
        self._relayed = [0] * len(self._projections)
        self._process: Any = None
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="perfledger-worker-watch",
                                         daemon=True)

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None else int(process.pid)

    def is_leading(self) -> bool:
        process = self._process
        return process is not None and process.is_alive() and bool(self._leading.value)

    def start(self) -> None:
        self._spawn()
        self._telemetry.follow_leadership(self.is_leading)
        self._watcher.start()

    def stop(self) -> None:
        """Asks the worker to finish its task and leave; kills it if it has not after 30 s."""
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=5)
        process = self._process
        if process is None:
            return
        if process.is_alive():
            process.terminate()  # SIGTERM: the worker stops its scheduler, then exits
            process.join(STOP_WAIT_SECONDS)
        if process.is_alive():
            log.warning("the worker process did not stop in %.0f s; killing it",
                        STOP_WAIT_SECONDS)
            process.kill()
            process.join()
        self._relay()

    def _spawn(self) -> None:
        self._leading.value = 0
        self._relay()
        for index in range(len(self._projections)):
            self._applied[index] = 0
        self._relayed = [0] * len(self._projections)
        self._process = SPAWN.Process(
            target=run_worker_process, name="perfledger-worker", daemon=False,
            args=(self._leading, self._applied, self._projections, os.getpid()))
        self._process.start()
        self._started_at = time.monotonic()
        log.info("scheduler started in worker process %s", self._process.pid)

    def _watch(self) -> None:
        backoff = RESTART_BACKOFF_SECONDS[0]
        while not self._stopping.wait(SHARE_EVERY_SECONDS):
            self._relay()
            process = self._process
            if process.is_alive():
                continue
            if time.monotonic() - self._started_at >= STEADY_SECONDS:
                backoff = RESTART_BACKOFF_SECONDS[0]
            log.error("the worker process exited with code %s; starting another in %.0f s",
                      process.exitcode, backoff)
            if self._stopping.wait(backoff):
                return
            backoff = min(2 * backoff, RESTART_BACKOFF_SECONDS[1])
            self._spawn()

    def _relay(self) -> None:
        """Adds what the worker applied since the last relay to the server's counter."""
        for index, name in enumerate(self._projections):
            total = int(self._applied[index])
            if total > self._relayed[index]:
                self._telemetry.count_applied(name, total - self._relayed[index])
                self._relayed[index] = total


def run_worker_process(leading: ctypes.c_byte, applied: ctypes.Array[ctypes.c_int64],
                       projections: Sequence[str], server_pid: int) -> None:
    """The worker process: the scheduler as `perfledger worker` runs it, sharing its
    leadership and catch-up counts, until told to stop or its server is gone."""
    from perfledger.api.bootstrap import build_container
    from perfledger.api.process_settings import hand_over_the_interpreter_often, prepare_process
    from perfledger.api.processes import start_worker
    from perfledger.api.settings import Settings

    prepare_process()
    settings = Settings.from_env()  # the server's environment: it read the same without error
    hand_over_the_interpreter_often(settings.switch_interval_ms)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    container = build_container(settings)
    worker = start_worker(container)
    orphaned = False
    try:
        while not stop.wait(SHARE_EVERY_SECONDS):
            leading.value = int(worker.is_leading)
            registry = container.telemetry.registry
            for index, name in enumerate(projections):
                applied[index] = int(registry.get_sample_value(
                    "perfledger_catch_up_events_applied_total", {"projection": name}) or 0)
            if os.getppid() != server_pid:
                log.warning("the server (process %s) is gone; the worker stops", server_pid)
                orphaned = True
                break
    finally:
        def stop_all() -> None:
            worker.stop()
            container.close()

        leave_after(stop_all, ORPHAN_EXIT_SECONDS if orphaned
                    else STOP_WAIT_SECONDS + EXIT_GRACE_SECONDS)


def leave_after(stop: Callable[[], None], within: float) -> NoReturn:
    """Ends the process once `stop` returns, or after `within` seconds if it has not. A task
    stuck on the database (gone, or refusing connections) would otherwise hold the exit
    open while the interpreter waits for its thread (a worker orphaned by a killed server,
    its database then dropped, was seen to linger a quarter of an hour)."""
    deadline = threading.Timer(within, os._exit, (1,))
    deadline.daemon = True
    deadline.start()
    try:
        stop()
    finally:
        logging.shutdown()
        os._exit(0)
