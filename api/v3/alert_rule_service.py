"""Alert rules as fiddler-client manages them, carried out on perfledger's monitors.

Commands go through the `Monitoring` service (its per-model cap, the rule checks) and answer
from the monitor aggregate once the monitoring read model shows the write (waited for up to
the consistency timeout, as every v3 command does: the client never sends `min_position`).
Reads join the monitors read model with the catalog (model name, version label, project).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio.to_thread
import msgspec

from perfledger.api.auth import Principal
from perfledger.api.bootstrap import Container
from perfledger.api.ids import parse_id
from perfledger.api.v3.alert_rule_mapping import (
    WatchedModel,
    changes_of,
    in_client_terms,
    notification_config,
    notifications_of,
    rule_of,
    rule_out,
)
from perfledger.api.v3.alert_rule_shapes import (
    AlertRuleCreate,
    AlertRuleOut,
    AlertRulePatch,
    ModelRef,
    NotificationConfig,
    NotificationPatch,
)
from perfledger.api.v3.people import ProjectRef, organization_of, user
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.rules import MonitorRule
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.catalog.queries import EntryRow, find_entry
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog
from perfledger.projections.inputs.queries import baselines_of
from perfledger.projections.monitoring.queries import (
    MonitorRow,
    find_monitor_of_organization,
    monitors_of_model,
)

MONITORING = ["monitoring"]


def rule_not_found(rule_id: str) -> NotFound:
    return NotFound(f"Alert rule '{rule_id}' not found")


class AlertRules:
    def __init__(self, container: Container) -> None:
        self._ledger = container.ledger
        self._monitoring = container.services.monitoring
        self._read = container.services.read

    async def create(self, principal: Principal, body: AlertRuleCreate) -> AlertRuleOut:
        caller = principal.caller
        model = await anyio.to_thread.run_sync(
            self._ledger.get_entry, caller, parse_id(body.model_id, "Model"))
        rule = rule_of(body, WatchedModel.of(model))
        try:
            monitor, position = await self._monitoring.create_monitor(caller, model.id, rule)
        except InvalidInput as refused:
            raise in_client_terms(refused) from None
        await self._read.show(MONITORING, position)
        return await self._answer(principal, monitor, model, principal.subject)

    async def change(self, principal: Principal, rule_id: str, patch: AlertRulePatch
                     ) -> AlertRuleOut:
        monitor, model = await self._monitor_and_model(principal, rule_id)
        changes = changes_of(patch, monitor.rule, WatchedModel.of(model))
        monitor, position = await self._monitoring.change_monitor(
            principal.caller, model.id, monitor.id, changes)
        await self._read.show(MONITORING, position)
        return await self._answer(principal, monitor, model, None)

    async def delete(self, principal: Principal, rule_id: str) -> str:
        monitor, model = await self._monitor_and_model(principal, rule_id)
        position = await anyio.to_thread.run_sync(
            self._ledger.delete_monitor, principal.caller, model.id, monitor.id)
        await self._read.show(MONITORING, position)
        return str(monitor.id)

    async def configure_notifications(self, principal: Principal, rule_id: str,
                                      patch: NotificationPatch) -> NotificationConfig:
        """Merges the patch into the rule's notification settings; every webhook it names
        must be one of the organization's (400 otherwise)."""
        monitor, model = await self._monitor_and_model(principal, rule_id)
        notifications = notifications_of(patch, monitor.rule)
        changes = {"notifications": msgspec.to_builtins(notifications)}
        monitor, position = await self._monitoring.change_monitor(
            principal.caller, model.id, monitor.id, changes)
        await self._read.show(MONITORING, position)
        return notification_config(monitor.rule)

    async def _monitor_and_model(self, principal: Principal, rule_id: str
                                 ) -> tuple[Monitor, Model]:
        def find() -> tuple[Monitor, Model]:
            try:
                monitor = self._ledger.get_monitor_of_organization(
                    principal.caller, parse_id(rule_id, "Alert rule"))
                model = self._ledger.get_entry(principal.caller, UUID(monitor.model_id))
            except NotFound:
                raise rule_not_found(rule_id) from None
            return monitor, model

        return await anyio.to_thread.run_sync(find)

    async def _answer(self, principal: Principal, monitor: Monitor, model: Model,
                      creator: str | None) -> AlertRuleOut:
        def build() -> AlertRuleOut:
            project = self._ledger.get_project(principal.caller, UUID(model.project_id))
            created_by = creator if creator is not None else self._creator_of(principal, monitor)
            return rule_out(
                str(monitor.id), monitor.rule, model_ref_of(model),
                ProjectRef(str(project.id), project.name), organization_of(principal),
                None if created_by is None else user(created_by),
                format_timestamp(monitor.created_on), format_timestamp(monitor.modified_on),
                dict(model.baselines))

        return await anyio.to_thread.run_sync(build)

    def _creator_of(self, principal: Principal, monitor: Monitor) -> str | None:
        """Who created the monitor, as the read model recorded it (None if it has not yet)."""
        try:
            row = find_monitor_of_organization(self._read.database, principal.organization_id,
                                               str(monitor.id))
        except NotFound:
            return None
        return row.created_by


def model_ref_of(model: Model) -> ModelRef:
    return ModelRef(str(model.id), model.name, (model.entry or {}).get("version"))


def rule_read(row: MonitorRow, entry: EntryRow, principal: Principal,
              baselines: dict[str, str]) -> AlertRuleOut:
    """A rule as the read models show it; `baselines` its model's (id -> name)."""
    return rule_out(
        row.monitor_id, MonitorRule.from_json(row.rule),
        ModelRef(entry.model_id, entry.name, entry.entry.get("version")),
        ProjectRef(entry.project_id, entry.project_name), organization_of(principal),
        user(row.created_by), row.created_at, row.updated_at, baselines)


def baseline_names(database: Database, model_id: str) -> dict[str, str]:
    with database.read() as tx:
        return {row.baseline_id: row.name for row in baselines_of(tx, model_id)}


def find_rule(database: Database, log: EventLog, principal: Principal, rule_id: str
              ) -> tuple[MonitorRow, EntryRow]:
    """The organization's rule and its model's catalog entry; 404 for anything else."""
    try:
        row = find_monitor_of_organization(database, principal.organization_id,
                                           str(parse_id(rule_id, "Alert rule")))
        entry = find_entry(database, log, principal.organization_id, row.model_id)
    except NotFound:
        raise rule_not_found(rule_id) from None
    return row, entry


def rules_of_model(database: Database, log: EventLog, principal: Principal, model_id: str
                   ) -> list[AlertRuleOut]:
    entry = find_entry(database, log, principal.organization_id,
                       str(parse_id(model_id, "Model")))
    baselines = baseline_names(database, entry.model_id)
    return [rule_read(row, entry, principal, baselines)
            for row in monitors_of_model(database, entry.model_id)]


def rule_fields(rule: AlertRuleOut) -> dict[str, Any]:
    """What a listing filters and orders rules by."""
    return {
        "id": rule.id, "name": rule.name, "model_id": rule.model.id,
        "project_id": rule.project.id, "metric_id": rule.metric.id, "priority": rule.priority,
        "compare_to": rule.compare_to, "condition": rule.condition, "bin_size": rule.bin_size,
        "category": rule.category, "feature_names": rule.feature_names,
        "threshold_type": rule.threshold_type,
        "baseline_id": None if rule.baseline is None else rule.baseline.id, "segment_id": None,
        "enable_notification": str(rule.enable_notification).lower(),
        "created_at": rule.created_at, "updated_at": rule.updated_at,
    }
