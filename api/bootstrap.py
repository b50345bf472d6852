"""The composition root: builds the ledger, the read side, the services and their wake-ups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.response_cache import ResponseCache
from perfledger.api.services.answers import CachedAnswers
from perfledger.api.services.catalog import Catalog
from perfledger.api.services.job_metrics import JobMetrics
from perfledger.api.services.jobs import Jobs
from perfledger.api.services.monitoring import Monitoring
from perfledger.api.services.operations import Operations
from perfledger.api.services.publishing import Publishing
from perfledger.api.services.reading import ReadSide
from perfledger.api.services.rows import Rows
from perfledger.api.services.time_travel import TimeTravel
from perfledger.api.services.versions import Versions
from perfledger.api.services.windows import Windows
from perfledger.api.settings import Settings
from perfledger.api.telemetry import Telemetry
from perfledger.api.uploads.blobs import BlobStore
from perfledger.domain.application import PerfLedger
from perfledger.domain.monitoring.destinations import Allowance
from perfledger.projections.database import Database
from perfledger.projections.engine import Engine
from perfledger.projections.event_log import EventLog
from perfledger.projections.roster import all_projections
from perfledger.projections.tenant_positions import TenantPositions
from perfledger.scheduler.tables import install_scheduler_tables


def _no_wake() -> None:
    """Without an in-process scheduler, the worker polls on its own."""


@dataclass(frozen=True)
class Services:
    """The use cases, each given only what it needs."""

    read: ReadSide
    answers: CachedAnswers
    rows: Rows
    versions: Versions
    time_travel: TimeTravel
    windows: Windows
    jobs: Jobs
    job_metrics: JobMetrics
    publishing: Publishing
    catalog: Catalog
    operations: Operations
    monitoring: Monitoring


@dataclass
class Container:
    settings: Settings
    database: Database
    ledger: PerfLedger
    engine: Engine
    responses: ResponseCache
    heavy: HeavyWork
    blobs: BlobStore
    services: Services
    telemetry: Telemetry
    positions: TenantPositions
    # Set by whoever runs the scheduler (api.processes, or a test); the ledger calls it after
    # every save, so the projections catch up (here, and in other processes).
    wake_projections: Callable[[], None] = field(default=_no_wake)
    wake_recompute: Callable[[], None] = field(default=_no_wake)

    def close(self) -> None:
        self.ledger.close()
        self.database.close()


def build_container(settings: Settings) -> Container:
    database = settings.storage.open_database()
    telemetry = Telemetry()
    with database.schema_lock():
        ledger = PerfLedger(env=settings.storage.event_store_env())
        database.guard_pool(_event_store_pool(ledger))
        engine = Engine(database, EventLog(ledger, database), all_projections(),
                        on_applied=telemetry.count_applied)
        engine.install()
        install_scheduler_tables(database)
    telemetry.follow_projections(engine)
    heavy = HeavyWork(settings.heavy_workers, settings.heavy_queue)
    blobs = BlobStore(settings.storage.data_dir / "files")
    read = ReadSide(engine, settings.consistency_timeout)
    responses = ResponseCache(settings.response_cache_entries)
    container = Container(settings, database, ledger, engine, responses, heavy, blobs,
                          _services(ledger, read, responses, heavy, blobs,
                                    lambda: container.wake_recompute(),
                                    Allowance.parse(settings.webhook_allow)), telemetry,
                          TenantPositions(settings.jwt_secret))

    def after_save(topics: Sequence[str]) -> None:
        telemetry.count_appended(topics)
        container.wake_projections()

    ledger.after_save = after_save
    return container


def _event_store_pool(ledger: PerfLedger) -> Any:
    """The event store's own connection pool (None on SQLite): it fails fast, as the read
    models' pool does, while the database is away."""
    return getattr(getattr(ledger.recorder, "datastore", None), "pool", None)


def _services(ledger: PerfLedger, read: ReadSide, responses: ResponseCache, heavy: HeavyWork,
              blobs: BlobStore, wake_recompute: Callable[[], None], allowance: Allowance
              ) -> Services:
    time_travel = TimeTravel(ledger, read, heavy)
    return Services(
        read=read,
        answers=CachedAnswers(read, responses),
        rows=Rows(ledger, read),
        versions=Versions(ledger, read),
        time_travel=time_travel,
        windows=Windows(read, heavy, time_travel),
        jobs=Jobs(ledger, read),
        job_metrics=JobMetrics(ledger, read, wake_recompute),
        publishing=Publishing(ledger, read, heavy, blobs),
        catalog=Catalog(ledger, read, heavy, blobs),
        operations=Operations(ledger, read),
        monitoring=Monitoring(ledger, read, allowance),
    )
