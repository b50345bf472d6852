"""v3 alert rules (`/v3/alert-rules`): fiddler-client's AlertRule calls over perfledger's
monitors. See `alert_rule_mapping` for how a rule maps to a monitor."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import Provide

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer, reading
from perfledger.api.v3.alert_rule_mapping import notification_config
from perfledger.api.v3.alert_rule_service import (
    AlertRules,
    baseline_names,
    find_rule,
    rule_fields,
    rule_read,
    rules_of_model,
)
from perfledger.api.v3.alert_rule_shapes import (
    AlertRuleCreate,
    AlertRuleOut,
    AlertRulePatch,
    NotificationConfig,
    NotificationPatch,
)
from perfledger.api.v3.envelope import Normal, Paginated, normal, paginated
from perfledger.api.v3.item_filters import (
    model_filter,
    sort_items,
)
from perfledger.api.v3.projects import Limit, Offset
from perfledger.domain.monitoring.rules import MonitorRule
from perfledger.projections.database import Database
from perfledger.projections.event_log import EventLog

READ = [requires("model:read")]
WRITE = [requires("model:write")]
READS = {"position": reading("catalog", "monitoring", "inputs")}
FILTER_FIELDS = ("id", "name", "model_id", "project_id", "metric_id", "priority", "compare_to",
                 "condition", "bin_size", "category", "feature_names", "threshold_type",
                 "baseline_id", "segment_id", "enable_notification")
ORDER_FIELDS = ("id", "name", "metric_id", "priority", "bin_size", "created_at", "updated_at")


def provide_alert_rules(container: Container) -> AlertRules:
    return AlertRules(container)


class AlertRuleController(Controller):
    path = "/alert-rules"
    tags = ["v3 alert rules"]
    dependencies = {"alert_rules": Provide(provide_alert_rules, sync_to_thread=False)}

    @post("/", guards=WRITE, operation_id="v3CreateAlertRule", status_code=200)
    async def create_rule(self, data: AlertRuleCreate, principal: Principal,
                          alert_rules: AlertRules) -> Normal[AlertRuleOut]:
        """A monitor on the model's production rows; unsupported metrics, bin sizes,
        comparisons, baselines, segments and automatic thresholds are a 400."""
        return normal(await alert_rules.create(principal, data))

    @get("/", guards=READ, operation_id="v3ListAlertRules", sync_to_thread=True,
         dependencies=READS)
    def list_rules(
        self,
        principal: Principal,
        database: Database,
        log: EventLog,
        position: int,
        filter: str | None = None,
        ordering: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response[Paginated[AlertRuleOut]]:
        """The rules of the model the filter names (`model_id` equal), oldest first."""
        model_id, keep = model_filter(filter, FILTER_FIELDS)
        rules = {rule.id: rule for rule in rules_of_model(database, log, principal,
                                                          model_id)}
        fields = [rule_fields(rule) for rule in rules.values()]
        kept = sort_items([item for item in fields if keep(item)], ordering, ORDER_FIELDS,
                          "created_at")
        page = [rules[str(item["id"])] for item in kept[offset:offset + limit]]
        return answer(paginated(page, len(kept), limit, offset), position)

    @get("/{alert_rule_id:str}", guards=READ, operation_id="v3GetAlertRule",
         sync_to_thread=True, dependencies=READS)
    def get_rule(self, alert_rule_id: str, principal: Principal, database: Database,
                 log: EventLog, position: int) -> Response[Normal[AlertRuleOut]]:
        row, entry = find_rule(database, log, principal, alert_rule_id)
        baselines = baseline_names(database, entry.model_id)
        return answer(normal(rule_read(row, entry, principal, baselines)), position)

    @patch("/{alert_rule_id:str}", guards=WRITE, operation_id="v3UpdateAlertRule")
    async def update_rule(self, alert_rule_id: str, data: AlertRulePatch, principal: Principal,
                          alert_rules: AlertRules) -> Normal[AlertRuleOut]:
        """Changes the keys sent: thresholds and delay (`update()`), or `enable_notification`
        alone (`enable_notifications()`, `disable_notifications()`)."""
        return normal(await alert_rules.change(principal, alert_rule_id, data))

    @delete("/{alert_rule_id:str}", guards=WRITE, operation_id="v3DeleteAlertRule",
            status_code=200)
    async def delete_rule(self, alert_rule_id: str, principal: Principal,
                          alert_rules: AlertRules) -> Normal[dict[str, str]]:
        return normal({"id": await alert_rules.delete(principal, alert_rule_id)})

    @get("/{alert_rule_id:str}/notification", guards=READ,
         operation_id="v3GetAlertRuleNotification", sync_to_thread=True, dependencies=READS)
    def get_notification(self, alert_rule_id: str, principal: Principal, database: Database,
                         log: EventLog, position: int) -> Response[Normal[NotificationConfig]]:
        row, _ = find_rule(database, log, principal, alert_rule_id)
        return answer(normal(notification_config(MonitorRule.from_json(row.rule))), position)

    @patch("/{alert_rule_id:str}/notification", guards=WRITE,
           operation_id="v3SetAlertRuleNotification")
    async def set_notification(self, alert_rule_id: str, data: NotificationPatch,
                               principal: Principal, alert_rules: AlertRules
                               ) -> Normal[NotificationConfig]:
        """The lists given replace the stored ones; the keys not given keep their values."""
        return normal(await alert_rules.configure_notifications(principal, alert_rule_id, data))
