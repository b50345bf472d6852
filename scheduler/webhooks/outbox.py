"""Turns alert and promotion events into deliveries, one per webhook that wants them.

The outbox follows the event log with its own cursor, in the same transaction as the
deliveries it writes, so each event becomes each delivery exactly once whatever crashes.
It reads no further than the monitoring and registry projections show (they tell which
webhooks exist and whose model an event is about), and a webhook gets the events recorded
after it was registered. A delivery's id is derived from the webhook and the event's
position, so receivers can drop a duplicate (delivery is at least once).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from perfledger.domain.monitoring.alert import Alert
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.database import Tx
from perfledger.projections.engine import Engine
from perfledger.projections.json import dumps, loads
from perfledger.projections.tenant_positions import TenantPositions
from perfledger.projections.topics import topics_of

OUTBOX_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS webhook_outbox (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS webhook_deliveries ("
    " delivery_id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, organization_id TEXT NOT NULL,"
    " position BIGINT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL, created_at BIGINT NOT NULL, first_attempt_at BIGINT,"
    " next_attempt_at BIGINT NOT NULL, claimed_until BIGINT, status_code INTEGER,"
    " error TEXT)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries"
    " (webhook_id, state, position)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries"
    " (state, next_attempt_at)",
    "CREATE TABLE IF NOT EXISTS webhook_attempts ("
    " delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL,"
    " status_code INTEGER, error TEXT, seconds REAL NOT NULL,"
    " PRIMARY KEY (delivery_id, attempt))",
)
DELIVERIES = uuid.UUID("0b7c9d3e-55a4-4f7b-8a41-1f2e7d9c6b50")
EVENT_TYPES: dict[type, str] = {
    Alert.Raised: "alert.raised",
    Alert.Escalated: "alert.escalated",
    Alert.Eased: "alert.eased",
    Alert.Resolved: "alert.resolved",
    Model.VersionPromoted: "version.promoted",
}
TOPICS = topics_of(*EVENT_TYPES)
PAGE = 500
READS = ("monitoring", "registry")


def delivery_id(webhook_id: str, position: int) -> str:
    return str(uuid.uuid5(DELIVERIES, f"{webhook_id}/{position}"))


def enqueue(engine: Engine, positions: TenantPositions, now: int) -> int:
    """Writes the deliveries of the next page of events; how many events it read. Positions
    in a delivery's body are its organization's tokens (`TenantPositions`)."""
    database = engine.database
    stop = engine.visible_position(READS)
    with database.transaction() as tx:
        after = _cursor(tx, stop)
        if after >= stop:
            return 0
        events = engine.log.read(after, stop, PAGE, TOPICS)
        for position, event in events:
            _deliveries_of(tx, positions, position, event, now)
        last = events[-1][0] if len(events) == PAGE else stop
        tx.execute("UPDATE webhook_outbox SET position = ? WHERE name = 'events'", (last,))
    return len(events)


def _cursor(tx: Tx, stop: int) -> int:
    found = tx.value("SELECT position FROM webhook_outbox WHERE name = 'events'")
    if found is None:  # nothing before the first webhook's registration is for anyone
        first = tx.value("SELECT MIN(position) FROM webhooks")
        start = stop if first is None else int(first)
        tx.execute("INSERT INTO webhook_outbox (name, position) VALUES ('events', ?)", (start,))
        return start
    return int(found)


def _deliveries_of(tx: Tx, positions: TenantPositions, position: int, event: Any, now: int
                   ) -> None:
    model_id = str(event.model_id if isinstance(event, Alert.Transition)
                   else event.originator_id)
    model = tx.row("SELECT organization_id, name FROM registry_models WHERE model_id = ?",
                   (model_id,))
    if model is None:
        return
    organization_id, model_name = model
    kind = EVENT_TYPES[type(event)]
    rule = (None if not isinstance(event, Alert.Transition) else loads(tx.value(
        "SELECT rule FROM monitors WHERE monitor_id = ?", (event.monitor_id,))))
    addressed = addressees(rule)
    webhooks = [(webhook_id, events) for webhook_id, events in tx.rows(
        "SELECT webhook_id, events FROM webhooks WHERE organization_id = ? AND deleted = 0"
        " AND paused = 0 AND position < ?", (organization_id, position))
        if kind in loads(events) and (addressed is None or webhook_id in addressed)]
    subject = _subject(lambda p: positions.token(organization_id, p), position, event, rule)
    for webhook_id, _ in webhooks:
        delivered = delivery_id(webhook_id, position)
        body = {"delivery_id": delivered, "type": kind,
                "occurred_at": format_timestamp(event.timestamp),
                "organization_id": organization_id,
                "model": {"id": model_id, "name": model_name}, **subject}
        tx.execute(
            "INSERT INTO webhook_deliveries (delivery_id, webhook_id, organization_id,"
            " position, type, body, state, attempts, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            (delivered, webhook_id, organization_id, position, kind, dumps(body), now, now))


def addressees(rule: dict[str, Any] | None) -> set[str] | None:
    """The webhooks a monitor's alerts go to, of those subscribed to their type: the ones its
    notification settings name, none when it does not notify, every one (None) when it
    names none (a v1 monitor)."""
    notifications = None if rule is None else rule.get("notifications")
    if not notifications:
        return None
    if not notifications.get("enabled", True):
        return set()
    named = notifications.get("webhooks") or []
    return set(named) if named else None


def _subject(token: Callable[[int], int], position: int, event: Any,
             rule: dict[str, Any] | None) -> dict[str, Any]:
    """The promotion, or the alert with its monitor's name (`rule`: the monitor's rule);
    `token` shows a position as the organization sees it."""
    if isinstance(event, Model.VersionPromoted):
        evidence = event.evidence
        if evidence is not None and evidence.get("position") is not None:
            evidence = {**evidence, "position": token(evidence["position"])}
        return {"promotion": {"version_id": event.version_id,
                              "previous_version_id": event.previous_version_id,
                              "reason": event.reason, "actor": event.actor,
                              "evidence": evidence, "position": token(position)}}
    name = None if rule is None else rule["name"]
    return {"alert": {"alert_id": str(event.originator_id), "monitor_id": event.monitor_id,
                      "monitor_name": name, "bucket": event.bucket,
                      "bucket_start": event.bucket_start,
                      "state": "resolved" if event.state == "ok" else "open",
                      "severity": None if event.state == "ok" else event.state,
                      "version_id": event.version_id, "value": event.value,
                      "comparison_value": event.comparison_value, "warning": event.warning,
                      "critical": event.critical, "labeled_count": event.labeled_count,
                      "judged_position": token(event.position), "restated": event.restated,
                      "position": token(position)}}
