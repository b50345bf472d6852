"""Commands on monitors, their alerts and the organization's webhooks."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from perfledger.domain.catalog.claims import NameClaim
from perfledger.domain.commands.models import ModelCommands
from perfledger.domain.errors import Conflict, InvalidInput, NotFound
from perfledger.domain.inputs.columns import ColumnSpec, model_columns
from perfledger.domain.monitoring.alert import Alert, Verdict, alert_id
from perfledger.domain.monitoring.input_metrics import InputsOfModel
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.rules import MonitorRule, check_rule
from perfledger.domain.monitoring.webhook import ALERT_EVENTS, Webhook
from perfledger.domain.registry.model import Model
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import Task

WEBHOOK_NAME = "webhook-name"


@dataclass(frozen=True)
class BucketJudgment:
    """A verdict on one bucket of a monitor; `known`: its alert may exist (the evaluator saw
    it projected), so it is loaded rather than opened."""

    organization_id: str
    model_id: str
    monitor_id: UUID
    bucket: str
    bucket_start: str
    verdict: Verdict
    known: bool


class MonitoringCommands(ModelCommands):
    def create_monitor(self, caller: Caller, model_id: UUID, rule: MonitorRule
                       ) -> tuple[Monitor, int]:
        model = self.get_model(caller, model_id)
        _check_against(rule, model)
        self._check_notified(caller, rule)
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
        if "notifications" in changes:
            self._check_notified(caller, rule)
        if not monitor.change(rule):
            return monitor, None
        return monitor, self._save(monitor)

    def delete_monitor(self, caller: Caller, model_id: UUID, monitor_id: UUID) -> int:
        monitor = self.get_monitor(caller, model_id, monitor_id)
        monitor.delete()
        return self._save(monitor)

    def judge_buckets(self, judgments: list[BucketJudgment]) -> int:
        """Records the verdicts that change their bucket's state, all at once (the scheduler's
        evaluation calls it); how many transitions were appended. A Conflict when another
        evaluation recorded one of them meanwhile: nothing is recorded then."""
        changed = []
        for judgment in judgments:
            alert = self._alert_of(judgment)
            if alert is not None and alert.judge(judgment.verdict):
                changed.append(alert)
        if changed:
            self._save(*changed)
        return len(changed)

    def _alert_of(self, judgment: BucketJudgment) -> Alert | None:
        found = alert_id(judgment.monitor_id, judgment.bucket, judgment.bucket_start)
        if judgment.known:
            try:
                return self._get(found, Alert)
            except NotFound:
                pass
        if judgment.verdict.state == "ok":
            return None
        return Alert(organization_id=judgment.organization_id, model_id=judgment.model_id,
                     monitor_id=str(judgment.monitor_id), bucket=judgment.bucket,
                     bucket_start=judgment.bucket_start)

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

    # Monitors found by id alone, and webhooks with unique names (the v3 dialect's).

    def get_monitor_of_organization(self, caller: Caller, monitor_id: UUID) -> Monitor:
        """The caller's monitor, whatever its model; another organization's is not found."""
        monitor = self._get(monitor_id, Monitor)
        if monitor.organization_id != caller.organization_id or monitor.deleted:
            raise NotFound(f"Monitor '{monitor_id}' not found")
        return monitor

    def _check_notified(self, caller: Caller, rule: MonitorRule) -> None:
        if rule.notifications is not None and rule.notifications.webhooks:
            self.check_webhooks_exist(caller, rule.notifications.webhooks)

    def check_webhooks_exist(self, caller: Caller, webhook_ids: Sequence[str]) -> None:
        """Every id names one of the caller's webhooks; else a 400 naming the others."""
        unknown = []
        for webhook_id in webhook_ids:
            try:
                self.get_webhook(caller, UUID(webhook_id))
            except (NotFound, ValueError):
                unknown.append(webhook_id)
        if unknown:
            listed = ", ".join(repr(webhook_id) for webhook_id in unknown)
            raise InvalidInput(f"webhooks: the organization has no webhook {listed}",
                               {"field": "webhooks", "unknown_webhooks": unknown})

    def register_named_webhook(self, caller: Caller, name: str, url: str, provider: str,
                               events: Sequence[str] = ALERT_EVENTS) -> tuple[Webhook, int]:
        """A webhook whose name no other webhook of the organization holds (else 409): the
        name is claimed in the same save, so two registrations racing cannot both win."""
        webhook = Webhook(organization_id=caller.organization_id, name=name, url=url,
                          events=list(events), secret=secrets.token_urlsafe(32),
                          provider=provider)
        claim = self._webhook_name_claim(caller, name, webhook.id)
        return webhook, self._save(webhook, claim)

    def change_named_webhook(self, caller: Caller, webhook_id: UUID, changes: dict[str, Any]
                             ) -> tuple[Webhook, int | None]:
        """A rename claims the new name (409 when another webhook holds it) and frees the old."""
        webhook = self.get_webhook(caller, webhook_id)
        old_name = webhook.name
        renamed = "name" in changes and changes["name"] != old_name
        claims = []
        if renamed:
            claims.append(self._webhook_name_claim(caller, changes["name"], webhook.id))
            claims += self._released_name(caller, old_name, webhook.id)
        if not webhook.change(changes):
            return webhook, None
        return webhook, self._save(webhook, *claims)

    def delete_named_webhook(self, caller: Caller, webhook_id: UUID) -> int:
        webhook = self.get_webhook(caller, webhook_id)
        webhook.delete()
        return self._save(webhook, *self._released_name(caller, webhook.name, webhook.id))

    def _webhook_name_claim(self, caller: Caller, name: str, holder: UUID) -> NameClaim:
        try:
            claim = self._claim_of(WEBHOOK_NAME, caller.organization_id, name)
        except NotFound:
            return NameClaim(WEBHOOK_NAME, caller.organization_id, name, holder)
        if claim.holder not in (None, holder) and not self._holds_name(claim.holder, name):
            claim.release(claim.holder)  # its webhook was deleted or renamed through v1
        try:
            claim.take(holder, "webhook")
        except Conflict:
            raise Conflict(f"A webhook integration with the provided name ({name}) already"
                           " exists. Webhook names must be unique.",
                           {"field": "name", "existing_id": str(claim.holder)}) from None
        return claim

    def _released_name(self, caller: Caller, name: str, holder: UUID) -> list[NameClaim]:
        try:
            claim = self._claim_of(WEBHOOK_NAME, caller.organization_id, name)
        except NotFound:
            return []
        if claim.holder != holder:
            return []
        claim.release(holder)
        return [claim]

    def _holds_name(self, webhook_id: UUID | None, name: str) -> bool:
        if webhook_id is None:
            return False
        try:
            webhook = self._get(webhook_id, Webhook)
        except NotFound:
            return False
        return not webhook.deleted and webhook.name == name


def _check_against(rule: MonitorRule, model: Model) -> None:
    declared = [ColumnSpec.from_json(column) for column in model.columns]
    columns = model_columns(model.task, model.labels, model.inputs, declared)
    inputs = InputsOfModel(tuple(columns), bool(declared), dict(model.baselines))
    check_rule(rule, Task(model.task), set(model.versions), inputs)
