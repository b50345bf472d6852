"""Builds the APScheduler scheduler and keeps it running only while this process leads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from perfledger.projections.availability import StoreUnavailable
from perfledger.scheduler.leader import Leadership
from perfledger.scheduler.tasks import (
    TaskContext,
    catch_up,
    deliver_webhooks,
    evaluate,
    maintenance,
    process_recompute_requests,
)

log = logging.getLogger("perfledger.scheduler")

CATCH_UP_INTERVAL_SECONDS = 0.25
ELECTION_INTERVAL_SECONDS = 2.0
# Monitors whose data did not change are skipped, so a short interval costs little.
EVALUATION_INTERVAL_SECONDS = 10.0
DELIVERY_INTERVAL_SECONDS = 1.0

# The table of triggers: what runs, and when.
TRIGGERS: dict[str, Callable[[], Any]] = {
    "catch_up": lambda: IntervalTrigger(seconds=CATCH_UP_INTERVAL_SECONDS),
    "process_recompute_requests": lambda: IntervalTrigger(seconds=1),
    "evaluate_monitors": lambda: IntervalTrigger(seconds=EVALUATION_INTERVAL_SECONDS),
    "deliver_webhooks": lambda: IntervalTrigger(seconds=DELIVERY_INTERVAL_SECONDS),
    "maintenance": lambda: CronTrigger(hour=3, minute=17),
}
TASKS: dict[str, Callable[[TaskContext], Any]] = {
    "catch_up": catch_up,
    "process_recompute_requests": process_recompute_requests,
    "evaluate_monitors": evaluate,
    "deliver_webhooks": deliver_webhooks,
    "maintenance": maintenance,
}


class Worker:
    """Runs the tasks while it holds leadership; a standby takes over when the leader dies."""

    def __init__(self, context: TaskContext, leadership: Leadership) -> None:
        self.context = context
        self.leadership = leadership
        self._scheduler: BackgroundScheduler | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._woken: set[str] = set()  # running tasks woken again: they run once more

    @property
    def is_leading(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="perfledger-election", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Campaigns for leadership until stopped (blocks)."""
        while not self._stopping.is_set():
            if self._scheduler is None and self.leadership.try_acquire():
                log.info("this process now runs the scheduler tasks")
                self._scheduler = self._start_scheduler()
            elif self._scheduler is not None and not self.leadership.holds():
                log.warning("lost leadership; stopping the scheduler tasks")
                self._stop_scheduler()
            self._stopping.wait(ELECTION_INTERVAL_SECONDS)
        self._stop_scheduler()
        self.leadership.release()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake_catch_up(self) -> None:
        """Runs catch-up now rather than at its next tick (after a command, say)."""
        self._wake("catch_up")

    def wake_recompute(self) -> None:
        """Takes queued recompute requests up now rather than at the next tick."""
        self._wake("process_recompute_requests")

    def _wake(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._running:  # APScheduler would skip it, and say so in the log
                self._woken.add(job_id)
                return
        scheduler = self._scheduler
        if scheduler is not None:
            try:
                scheduler.modify_job(job_id, next_run_time=datetime.now().astimezone())
            except Exception:  # the scheduler may be stopping; the next tick runs it
                log.debug("could not wake %s", job_id, exc_info=True)

    def _run_task(self, name: str, context: TaskContext) -> Any:
        """Runs a task, and again while it was woken meanwhile (its run may have missed what
        woke it), so no wake waits for the next tick. A tick that comes while the task runs
        returns at once: the run goes on (APScheduler, left to skip it, would log a warning
        each time, four a second for a catch-up behind a busy series)."""
        with self._lock:
            if name in self._running:
                return None
            self._running.add(name)
        while True:
            with self._lock:
                self._woken.discard(name)
            try:
                result = TASKS[name](context)
            except StoreUnavailable:  # said once when it went away; the next tick retries
                with self._lock:
                    self._running.discard(name)
                return None
            except BaseException:
                with self._lock:
                    self._running.discard(name)
                raise
            with self._lock:
                again = name in self._woken and not self._stopping.is_set()
                if not again:
                    self._running.discard(name)
            if not again:
                return result

    def _start_scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone="UTC")
        for name in TASKS:
            scheduler.add_job(
                self._run_task,
                TRIGGERS[name](),
                args=[name, self.context],
                id=name,
                name=name,
                max_instances=2,  # a second instance only finds the first running
                coalesce=True,
                misfire_grace_time=None,
            )
        scheduler.start()
        return scheduler

    def _stop_scheduler(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
