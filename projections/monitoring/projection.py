"""Projects monitor, alert and webhook events into the tables the API and the evaluator read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from perfledger.domain.monitoring.alert import Alert, Verdict
from perfledger.domain.monitoring.monitor import Monitor
from perfledger.domain.monitoring.webhook import Webhook
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps, loads
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of

TRANSITIONS: dict[type, str] = {
    Alert.Raised: "AlertRaised",
    Alert.Escalated: "AlertEscalated",
    Alert.Eased: "AlertEased",
    Alert.Resolved: "AlertResolved",
}
# What a transition records of the verdict it carries.
TRANSITION_FIELDS = tuple(field.name for field in fields(Verdict))


class MonitoringProjection:
    name = "monitoring"
    computed_by = ""
    tables = ("monitors", "alerts", "alert_transitions", "webhooks")
    topics = topics_of(Monitor.Created, Monitor.Changed, Monitor.Deleted, Alert.Opened,
                       *TRANSITIONS, Webhook.Registered, Webhook.Changed, Webhook.Deleted)

    def schema(self, database: Database, t: Tables) -> list[str]:
        return [
            f"CREATE TABLE {t.monitors} ("
            " monitor_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL,"
            " model_id TEXT NOT NULL, rule TEXT NOT NULL, enabled INTEGER NOT NULL,"
            " deleted INTEGER NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, position BIGINT NOT NULL)",
            f"CREATE INDEX {t.monitors}_by_model ON {t.monitors} (model_id, created_at)",
            f"CREATE INDEX {t.monitors}_by_organization ON {t.monitors} (organization_id)",
            f"CREATE TABLE {t.alerts} ("
            " alert_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL,"
            " model_id TEXT NOT NULL, monitor_id TEXT NOT NULL, bucket TEXT NOT NULL,"
            " bucket_start TEXT NOT NULL, state TEXT NOT NULL, opened_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, latest TEXT, position BIGINT NOT NULL)",
            f"CREATE INDEX {t.alerts}_by_model ON {t.alerts} (model_id, updated_at)",
            f"CREATE INDEX {t.alerts}_by_monitor ON {t.alerts} (monitor_id, bucket_start)",
            f"CREATE TABLE {t.alert_transitions} ("
            " alert_id TEXT NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL,"
            " at TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (alert_id, position))",
            f"CREATE TABLE {t.webhooks} ("
            " webhook_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL,"
            " url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,"
            " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted INTEGER NOT NULL,"
            " position BIGINT NOT NULL, paused INTEGER NOT NULL)",
            f"CREATE INDEX {t.webhooks}_by_organization ON {t.webhooks} (organization_id)",
        ]

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        for position, event in events:
            at = format_timestamp(event.timestamp)
            subject = str(event.originator_id)
            match event:
                case Monitor.Created():
                    tx.execute(
                        f"INSERT INTO {t.monitors} (monitor_id, organization_id, model_id, rule,"
                        " enabled, deleted, created_at, created_by, updated_at, position)"
                        " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                        (subject, event.organization_id, event.model_id, dumps(event.rule),
                         int(bool(event.rule.get("enabled", True))), at, event.actor, at,
                         position))
                case Monitor.Changed():
                    rule = {**loads(tx.value(f"SELECT rule FROM {t.monitors}"
                                             " WHERE monitor_id = ?", (subject,))),
                            **event.changes}
                    tx.execute(f"UPDATE {t.monitors} SET rule = ?, enabled = ?, updated_at = ?,"
                               " position = ? WHERE monitor_id = ?",
                               (dumps(rule), int(bool(rule.get("enabled", True))), at, position,
                                subject))
                case Monitor.Deleted():
                    tx.execute(f"UPDATE {t.monitors} SET deleted = 1, updated_at = ?,"
                               " position = ? WHERE monitor_id = ?", (at, position, subject))
                case Alert.Opened():
                    tx.execute(
                        f"INSERT INTO {t.alerts} (alert_id, organization_id, model_id,"
                        " monitor_id, bucket, bucket_start, state, opened_at, updated_at,"
                        " position) VALUES (?, ?, ?, ?, ?, ?, 'ok', ?, ?, ?)",
                        (subject, event.organization_id, event.model_id, event.monitor_id,
                         event.bucket, event.bucket_start, at, at, position))
                case Alert.Transition() if type(event) in TRANSITIONS:
                    data = transition_data(event)
                    tx.execute(f"UPDATE {t.alerts} SET state = ?, updated_at = ?, latest = ?,"
                               " position = ? WHERE alert_id = ?",
                               (event.state, at, dumps(data), position, subject))
                    tx.execute(f"INSERT INTO {t.alert_transitions} (alert_id, position, type,"
                               " at, data) VALUES (?, ?, ?, ?, ?)",
                               (subject, position, TRANSITIONS[type(event)], at, dumps(data)))
                case Webhook.Registered():
                    tx.execute(
                        f"INSERT INTO {t.webhooks} (webhook_id, organization_id, name, url,"
                        " events, secret, created_at, updated_at, deleted, position, paused)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0)",
                        (subject, event.organization_id, event.name, event.url,
                         dumps(event.events), event.secret, at, at, position))
                case Webhook.Changed():
                    _change_webhook(tx, t, subject, event.changes, at)
                case Webhook.Deleted():
                    tx.execute(f"UPDATE {t.webhooks} SET deleted = 1, updated_at = ?"
                               " WHERE webhook_id = ?", (at, subject))
                case _:
                    raise UnknownEvent(self.name, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def transition_data(event: Any) -> dict[str, Any]:
    return {name: getattr(event, name) for name in TRANSITION_FIELDS}


def _change_webhook(tx: Tx, t: Tables, webhook_id: str, changes: dict[str, Any],
                    at: str) -> None:
    columns = {"name": changes.get("name"), "url": changes.get("url"),
               "events": None if "events" not in changes else dumps(changes["events"]),
               "paused": None if "paused" not in changes else int(changes["paused"])}
    for column, value in columns.items():
        if value is not None:
            tx.execute(f"UPDATE {t.webhooks} SET {column} = ? WHERE webhook_id = ?",
                       (value, webhook_id))
    tx.execute(f"UPDATE {t.webhooks} SET updated_at = ? WHERE webhook_id = ?", (at, webhook_id))
