"""Commands on monitors, their alerts and the organization's webhooks."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from perfledger.domain.commands.models import ModelCommands
from perfledger.domain.errors import NotFound
from perfledger.domain.monitoring.alert import Alert, Verdict, alert_id
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.rules import MonitorRule, check_rule
from perfledger.domain.monitoring.webhook import Webhook
from perfledger.domain.registry.model import Model
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import Task


class MonitoringCommands(ModelCommands):
    def create_monitor(self, caller: Caller, model_id: UUID, rule: MonitorRule
                       ) -> tuple[Monitor, int]:
        model = self.get_model(caller, model_id)
        _check_against(rule, model)
        monitor = Monitor(organization_id=caller.organization_id, model_id=str(model.id),
                          rule=rule.to_json())
        return monitor, self._save(monitor)

    def get_monitor(self, caller: Caller, model_id: UUID, monitor_id: UUID) -> Monitor:
        monitor = self._get(monitor_id, Monitor)
        if (monitor.organization_id != caller.organization_id
                or monitor.model_id != str(model_id) or monitor.deleted):
            raise NotFound(f"Monitor '{monitor_id}' not found")
        return monitor

    def change_monitor(self, caller: Caller, model_id: UUID, monitor_id: UUID,
                       changes: dict[str, Any]) -> tuple[Monitor, int | None]:
        """Applies the changed fields (already parsed) to the rule; None: nothing changed."""
        monitor = self.get_monitor(caller, model_id, monitor_id)
        rule = MonitorRule.from_json({**monitor.rule_json, **changes})
        _check_against(rule, self.get_model(caller, model_id))
        if not monitor.change(rule):
            return monitor, None
        return monitor, self._save(monitor)

    def delete_monitor(self, caller: Caller, model_id: UUID, monitor_id: UUID) -> int:
        monitor = self.get_monitor(caller, model_id, monitor_id)
        monitor.delete()
        return self._save(monitor)

    def judge_bucket(self, organization_id: str, model_id: str, monitor_id: UUID, bucket: str,
                     bucket_start: str, verdict: Verdict) -> int | None:
        """Records a bucket's verdict when it changes the bucket's state (the scheduler's
        evaluation calls it); the position appended, or None when nothing changed."""
        found = alert_id(monitor_id, bucket, bucket_start)
        try:
            alert = self._get(found, Alert)
        except NotFound:
            if verdict.state == "ok":
                return None
            alert = Alert(organization_id=organization_id, model_id=model_id,
                          monitor_id=str(monitor_id), bucket=bucket, bucket_start=bucket_start)
        if not alert.judge(verdict):
            return None
        return self._save(alert)

    def register_webhook(self, caller: Caller, name: str, url: str, events: list[str],
                         secret: str | None) -> tuple[Webhook, int]:
        webhook = Webhook(organization_id=caller.organization_id, name=name, url=url,
                          events=events, secret=secret or secrets.token_urlsafe(32))
        return webhook, self._save(webhook)

    def get_webhook(self, caller: Caller, webhook_id: UUID) -> Webhook:
        webhook = self._get(webhook_id, Webhook)
        if webhook.organization_id != caller.organization_id or webhook.deleted:
            raise NotFound(f"Webhook '{webhook_id}' not found")
        return webhook

    def change_webhook(self, caller: Caller, webhook_id: UUID, changes: dict[str, Any]
                       ) -> tuple[Webhook, int | None]:
        webhook = self.get_webhook(caller, webhook_id)
        if not webhook.change(changes):
            return webhook, None
        return webhook, self._save(webhook)

    def delete_webhook(self, caller: Caller, webhook_id: UUID) -> int:
        webhook = self.get_webhook(caller, webhook_id)
        webhook.delete()
        return self._save(webhook)


def _check_against(rule: MonitorRule, model: Model) -> None:
    check_rule(rule, Task(model.task), set(model.versions))
