"""Running the service and the worker: the API, the scheduler and their wake-ups, composed."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.api.worker_process import WorkerProcess
from perfledger.scheduler.leader import FileLeadership, Leadership, PostgresLeadership
from perfledger.scheduler.runner import Worker
from perfledger.scheduler.tasks import TaskContext
from perfledger.scheduler.wakeups import EventListener
from perfledger.scheduler.webhooks.delivery import Deliverer

FIRST_TOKEN_TTL = 30 * 24 * 3600


def leadership_for(settings: Settings) -> Leadership:
    if settings.storage.connection_url is not None:
        return PostgresLeadership(settings.storage.connection_url)
    return FileLeadership(settings.storage.data_dir / "scheduler.lock")


def start_worker(container: Container) -> Worker:
    """Campaigns for the scheduler tasks in this process; PostgreSQL NOTIFY also wakes them."""
    context = TaskContext(container.engine, container.ledger, container.positions,
                          deliverer=Deliverer(container.database,
                                              container.services.monitoring.allowance))
    worker = Worker(context, leadership_for(container.settings))
    container.telemetry.follow_leadership(lambda: worker.is_leading)
    url = container.settings.storage.connection_url
    if url is not None:
        EventListener(url, worker.wake_catch_up).start()
    worker.start()
    return worker


def wake_after_commands(container: Container, worker: Worker | None) -> None:
    """After each command: run catch-up here if we lead, and tell other processes."""
    announce = container.database.announce_new_events
    if worker is None:
        container.wake_projections = announce
        return
    local = worker.wake_catch_up

    def wake_everyone() -> None:
        local()
        announce()

    container.wake_projections = wake_everyone
    container.wake_recompute = worker.wake_recompute


def serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from perfledger.api.app import create_app
    from perfledger.api.connection_bounds import bounded_protocol

    scheduler = scheduler_layout(args, settings)
    container = build_container(settings)
    if settings.secret_was_generated:
        print_first_token(settings)
    worker = start_worker(container) if scheduler == "thread" else None
    worker_process = None
    if scheduler == "process":
        worker_process = WorkerProcess(container.telemetry, list(container.engine.projections))
        worker_process.start()
    wake_after_commands(container, worker)
    try:
        uvicorn.run(
            create_app(container),
            host=args.host or settings.host,
            port=settings.port if args.port is None else args.port,  # 0: the kernel picks
            log_level="info",
            access_log=False,
            http=bounded_protocol(settings.header_timeout_seconds,
                                  settings.body_timeout_seconds),
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    finally:
        if worker is not None:
            worker.stop()
        if worker_process is not None:
            worker_process.stop()
        container.close()


def scheduler_layout(args: argparse.Namespace, settings: Settings) -> str:
    """Where `serve` runs the scheduler: nowhere, in a process of its own (the default on
    PostgreSQL; see worker_process), or in a thread (the default, and the only way, on
    SQLite)."""
    if args.no_scheduler:
        return "none"
    postgres = settings.storage.database_url is not None
    chosen: str = args.scheduler or ("process" if postgres else "thread")
    if chosen == "process" and not postgres:
        raise ValueError("--scheduler process needs PostgreSQL (PERFLEDGER_DATABASE_URL); on"
                         " SQLite the scheduler runs in a thread of the server")
    return chosen


def print_first_token(settings: Settings) -> None:
    token = mint_token(
        settings.jwt_secret,
        settings.default_organization_id,
        [ADMIN],
        subject="admin",
        ttl_seconds=min(FIRST_TOKEN_TTL, settings.max_token_seconds),
    )
    print("First start: generated a signing secret in", settings.storage.data_dir)
    days = min(FIRST_TOKEN_TTL, settings.max_token_seconds) / 86400
    print(f"An admin token for your organization (valid {days:g} days; mint more with"
          " `perfledger token`):")
    print(token, flush=True)


def work(args: argparse.Namespace, settings: Settings) -> None:
    container = build_container(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker = start_worker(container)
    logging.getLogger("perfledger").info("worker started; campaigning for leadership")
    stop.wait()
    worker.stop()
    container.close()
