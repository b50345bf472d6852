"""The scheduler's jobs, each a plain function over the services it is given."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from perfledger.domain.aggregate import acting
from perfledger.domain.application import PerfLedger
from perfledger.domain.recompute import JOB_MODEL, PERFORMANCE, Scope
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.engine import Engine
from perfledger.projections.jobs.recompute import recompute_job_model
from perfledger.projections.performance.recompute import recompute_cached
from perfledger.projections.recompute.queries import due_requests
from perfledger.projections.tenant_positions import TenantPositions
from perfledger.scheduler.evaluation import Evaluation, evaluate_monitors
from perfledger.scheduler.webhooks.delivery import Deliverer, DeliveryRun, now_micros
from perfledger.scheduler.webhooks.outbox import enqueue

log = logging.getLogger("perfledger.scheduler")

CATCH_UP_BUDGET_SECONDS = 1.0
DELIVERY_BUDGET_SECONDS = 5.0
# A request in progress for longer than this was left by a crashed worker: take it up again.
STUCK_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class TaskContext:
    engine: Engine
    ledger: PerfLedger
    positions: TenantPositions  # how each organization sees positions (webhook bodies)
    worker_name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    deliverer: Deliverer | None = None  # sends webhook deliveries; None: they wait


def catch_up(context: TaskContext) -> int:
    """Brings every projection up to the head of the log (bounded per run)."""
    return context.engine.catch_up_all(CATCH_UP_BUDGET_SECONDS)


def process_recompute_requests(context: TaskContext) -> int:
    """Runs queued (and abandoned) recompute requests of every target; returns how many."""
    engine, ledger = context.engine, context.ledger
    engine.catch_up("recompute", CATCH_UP_BUDGET_SECONDS)
    stuck_before = format_timestamp(datetime.now(UTC) - STUCK_AFTER)
    finished = 0
    for request_id in due_requests(engine.database, stuck_before):
        finished += run_recompute_request(engine, ledger, UUID(request_id), context.worker_name)
    return finished


def run_recompute_request(engine: Engine, ledger: PerfLedger, request_id: UUID,
                          worker: str) -> bool:
    """Takes one request up and appends its outcome; False when another worker had it."""
    with acting(f"scheduler:{worker}"):
        return _run_recompute_request(engine, ledger, request_id, worker)


def _run_recompute_request(engine: Engine, ledger: PerfLedger, request_id: UUID,
                           worker: str) -> bool:
    request = ledger.start_recompute(request_id, worker)
    if request is None:
        return False
    try:
        outcome = recompute(engine, request.target, request.scope)
    except Exception as error:
        log.exception("recompute request %s failed", request_id)
        ledger.finish_recompute(request.id, None, failure=f"{type(error).__name__}: {error}")
    else:
        ledger.finish_recompute(request.id, outcome)
    return True


def recompute(engine: Engine, target: str, scope: Scope) -> dict[str, Any]:
    """Computes a request's outcome from everything recorded so far, by its target."""
    if target == PERFORMANCE:
        engine.catch_up("performance", 30.0)
        return recompute_cached(engine, str(scope["model_id"]), scope["version_id"],
                                scope["dataset_split"])
    if target == JOB_MODEL:
        engine.catch_up("jobs", 30.0)
        return recompute_job_model(engine.database, scope)
    raise ValueError(f"unknown recompute target '{target}'")


def evaluate(context: TaskContext) -> Evaluation:
    """Judges the monitors whose data or due buckets changed; see `scheduler.evaluation`."""
    context.engine.catch_up("monitoring", CATCH_UP_BUDGET_SECONDS)
    return evaluate_monitors(context.engine, context.ledger)


def deliver_webhooks(context: TaskContext) -> DeliveryRun:
    """Turns new alert and promotion events into deliveries, then sends what is due."""
    context.engine.catch_up("monitoring", CATCH_UP_BUDGET_SECONDS)
    now = now_micros()
    while enqueue(context.engine, context.positions, now):
        pass
    if context.deliverer is None:
        return DeliveryRun()
    return context.deliverer.run(DELIVERY_BUDGET_SECONDS)


def maintenance(context: TaskContext) -> dict[str, list[str]]:
    """Rebuilds each projection into shadow tables and reports any drift from the live ones."""
    engine = context.engine
    report = {}
    for name in engine.projections:
        drift = engine.check_drift(name)
        report[name] = drift
        if drift:
            log.warning("projection %s drifted from a rebuild: %s; run `perfledger rebuild %s`",
                        name, "; ".join(drift), name)
        else:
            log.info("projection %s matches a rebuild from position 0", name)
    return report
