"""The Monitor aggregate: a rule on one model's performance, changed and deleted as events."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as
from perfledger.domain.errors import NotFound
from perfledger.domain.monitoring.rules import MonitorRule


@stored_as("domain.monitor")
class Monitor(Aggregate):
    class Created(Aggregate.Created):
        organization_id: str
        model_id: str
        rule: dict[str, Any]

    class Changed(Aggregate.Event):
        model_id: str
        changes: dict[str, Any]  # the rule's fields that changed, with their new values

    class Deleted(Aggregate.Event):
        model_id: str

    @event(Created)
    def __init__(self, organization_id: str, model_id: str, rule: dict[str, Any]) -> None:
        self.organization_id = organization_id
        self.model_id = model_id
        self.rule_json = rule
        self.deleted = False

    @property
    def rule(self) -> MonitorRule:
        return MonitorRule.from_json(self.rule_json)

    def change(self, rule: MonitorRule) -> bool:
        """Records the fields of `rule` that differ from the current one; False if none."""
        self._check_present()
        new = rule.to_json()
        changes = {name: value for name, value in new.items() if self.rule_json.get(name) != value}
        if not changes:
            return False
        self._changed(self.model_id, changes)
        return True

    def delete(self) -> None:
        self._check_present()
        self._deleted(self.model_id)

    def _check_present(self) -> None:
        if self.deleted:
            raise NotFound(f"Monitor '{self.id}' not found")

    @event(Changed)
    def _changed(self, model_id: str, changes: dict[str, Any]) -> None:
        self.rule_json = {**self.rule_json, **changes}

    @event(Deleted)
    def _deleted(self, model_id: str) -> None:
        self.deleted = True
