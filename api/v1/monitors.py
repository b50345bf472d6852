"""v1 monitors and alerts: rules on a model's performance, and what they found."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import Parameter, QueryParameter

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.services.monitoring import Monitoring
from perfledger.api.tenant_positions import named, shown
from perfledger.api.v1.times import query_micros
from perfledger.domain.application import PerfLedger
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.rules import MonitorRule
from perfledger.domain.timestamps import format_micros, format_timestamp
from perfledger.projections.database import Database
from perfledger.projections.monitoring.queries import (
    AlertQuery,
    MonitorRow,
    alerts_of_model,
    find_monitor,
    monitors_of_model,
)
from perfledger.projections.registry.queries import find_model


class MonitorOut(MonitorRule, kw_only=True):
    monitor_id: str
    model_id: str
    created_at: str
    updated_at: str
    position: int


class MonitorDeleted(msgspec.Struct):
    monitor_id: str
    deleted: bool
    position: int


class Transition(msgspec.Struct):
    type: str
    at: str
    position: int
    state: str
    version_id: str
    value: float | None
    comparison_value: float | None
    warning: float | None
    critical: float | None
    labeled_count: int
    restated: bool


class AlertOut(msgspec.Struct):
    alert_id: str
    monitor_id: str
    monitor_name: str
    metric: str
    bucket: str
    bucket_start: str
    state: str
    severity: str | None
    value: float | None
    comparison_value: float | None
    opened_at: str
    updated_at: str
    transitions: list[Transition]


READ = [requires_any("model:read")]
WRITE = [requires("model:write")]
READS = {"position": reading("registry", "monitoring")}


def _written(monitor: Monitor, position: int) -> MonitorOut:
    return _out(monitor.rule_json, str(monitor.id), monitor.model_id,
                format_timestamp(monitor.created_on), format_timestamp(monitor.modified_on),
                shown(position))


def _read(row: MonitorRow) -> MonitorOut:
    return _out(row.rule, row.monitor_id, row.model_id, row.created_at, row.updated_at,
                named(row.position))


def _out(rule: dict[str, Any], monitor_id: str, model_id: str, created_at: str,
         updated_at: str, position: int) -> MonitorOut:
    return msgspec.convert(rule | {"monitor_id": monitor_id, "model_id": model_id,
                                   "created_at": created_at, "updated_at": updated_at,
                                   "position": position}, MonitorOut)


class MonitorController(Controller):
    path = "/models/{model_id:str}/monitors"
    tags = ["v1 monitors"]

    @post("/", guards=WRITE, operation_id="v1CreateMonitor", status_code=201)
    async def create(self, model_id: str, data: MonitorRule, principal: Principal,
                     monitoring: Monitoring) -> MonitorOut:
        monitor, position = await monitoring.create_monitor(
            principal.caller, parse_id(model_id, "Model"), data)
        return _written(monitor, position)

    @get("/", guards=READ, operation_id="v1ListMonitors", sync_to_thread=True,
         dependencies=READS)
    def list_monitors(self, model_id: str, principal: Principal, position: int,
                      database: Database) -> Response[list[MonitorOut]]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        return answer([_read(row) for row in monitors_of_model(database, model.model_id)],
                      position)

    @get("/{monitor_id:str}", guards=READ, operation_id="v1GetMonitor", sync_to_thread=True,
         dependencies=READS)
    def get_monitor(self, model_id: str, monitor_id: str, principal: Principal, position: int,
                    database: Database) -> Response[MonitorOut]:
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        row = find_monitor(database, model.model_id, str(parse_id(monitor_id, "Monitor")))
        return answer(_read(row), position)

    @patch("/{monitor_id:str}", guards=WRITE, operation_id="v1ChangeMonitor")
    async def change(self, model_id: str, monitor_id: str, data: dict[str, Any],
                     principal: Principal, monitoring: Monitoring) -> MonitorOut:
        """Changes the fields given; the others keep their values. Nothing changed: nothing
        is recorded, and `position` is that of the monitor's last change."""
        monitor, position = await monitoring.change_monitor(
            principal.caller, parse_id(model_id, "Model"), parse_id(monitor_id, "Monitor"), data)
        if position is None:
            position = await monitoring.last_change(monitor)
        return _written(monitor, position)

    @delete("/{monitor_id:str}", guards=WRITE, operation_id="v1DeleteMonitor", status_code=200,
            sync_to_thread=True)
    def delete_monitor(self, model_id: str, monitor_id: str, principal: Principal,
                       ledger: PerfLedger) -> MonitorDeleted:
        position = ledger.delete_monitor(
            principal.caller, parse_id(model_id, "Model"), parse_id(monitor_id, "Monitor"))
        return MonitorDeleted(monitor_id, True, shown(position))


class AlertController(Controller):
    path = "/models/{model_id:str}/alerts"
    tags = ["v1 monitors"]

    @get("/", guards=READ, operation_id="v1ListAlerts", sync_to_thread=True,
         dependencies=READS)
    def list_alerts(
        self, model_id: str, principal: Principal, position: int, database: Database,
        alert_state: Annotated[Literal["open", "resolved"] | None,
                               QueryParameter(name="state")] = None,
        monitor_id: str | None = None,
        start: Annotated[str | None, Parameter(max_length=64)] = None,
        end: Annotated[str | None, Parameter(max_length=64)] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> Response[list[AlertOut]]:
        """Newest first; `start` and `end` bound the judged buckets' starts."""
        model = find_model(database, principal.organization_id, str(parse_id(model_id, "Model")))
        first, last = query_micros("start", start), query_micros("end", end)
        query = AlertQuery(
            alert_state, None if monitor_id is None else str(parse_id(monitor_id, "Monitor")),
            None if first is None else format_micros(first),
            None if last is None else format_micros(last), limit, offset)
        alerts = msgspec.convert(alerts_of_model(database, model.model_id, query), list[AlertOut])
        for alert in alerts:
            for transition in alert.transitions:
                transition.position = named(transition.position)
        return answer(alerts, position)
