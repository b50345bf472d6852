"""The composition root: builds the ledger, the read side and the app from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.response_cache import ResponseCache
from perfledger.api.settings import Settings
from perfledger.domain.application import PerfLedger
from perfledger.projections.database import Database
from perfledger.projections.engine import Engine
from perfledger.projections.event_log import EventLog
from perfledger.projections.performance.time_travel import ReplayCache
from perfledger.projections.roster import all_projections


def _no_wake() -> None:
    """Without an in-process scheduler, the worker polls on its own."""


@dataclass
class Container:
    settings: Settings
    database: Database
    ledger: PerfLedger
    engine: Engine
    responses: ResponseCache
    heavy: HeavyWork
    replays: ReplayCache
    wake_catch_up: Callable[[], None] = field(default=_no_wake)
    wake_recompute: Callable[[], None] = field(default=_no_wake)

    def close(self) -> None:
        self.ledger.close()
        self.database.close()


def build_container(settings: Settings) -> Container:
    database = settings.storage.open_database()
    with database.schema_lock():
        ledger = PerfLedger(env=settings.storage.event_store_env())
        engine = Engine(database, EventLog(ledger, database), all_projections())
        engine.install()
    responses = ResponseCache(settings.response_cache_entries)
    heavy = HeavyWork(settings.heavy_workers, settings.heavy_queue)
    return Container(settings, database, ledger, engine, responses, heavy, ReplayCache())
