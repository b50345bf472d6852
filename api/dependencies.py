"""Dependency providers: what a handler asks for by name, from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from perfledger.api.auth import Principal
from perfledger.api.bootstrap import Container, Services
from perfledger.domain.application import PerfLedger
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def provide_ledger(state: State) -> PerfLedger:
    ledger: PerfLedger = state.container.ledger
    return ledger


def provide_database(state: State) -> Database:
    database: Database = state.container.database
    return database


def provide_log(state: State) -> EventLog:
    log: EventLog = state.container.engine.log
    return log


def _provider_of(service: str) -> Callable[[State], Any]:
    def provide_service(state: State) -> Any:
        return getattr(state.container.services, service)

    return provide_service


# A handler names what it needs: `ledger` for commands, `database` for queries, or a use case
# of `api.services` by its field name in `Services` (`versions`, `publishing`, ...).
DEPENDENCIES: dict[str, Provide] = {
    "container": Provide(provide_container, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "ledger": Provide(provide_ledger, sync_to_thread=False),
    "database": Provide(provide_database, sync_to_thread=False),
    "log": Provide(provide_log, sync_to_thread=False),
    **{field.name: Provide(_provider_of(field.name), sync_to_thread=False)
       for field in fields(Services)},
}
