"""Reads of monitors, alerts and webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfledger.domain.errors import NotFound
from perfledger.projections.database import Database, Tx
from perfledger.projections.json import loads

MONITOR_COLUMNS = ("monitor_id, organization_id, model_id, rule, created_at, created_by,"
                   " updated_at, position")


@dataclass(frozen=True)
class MonitorRow:
    monitor_id: str
    organization_id: str
    model_id: str
    rule: dict[str, Any]
    created_at: str
    created_by: str
    updated_at: str
    position: int


def _monitor(row: Any) -> MonitorRow:
    monitor_id, organization_id, model_id, rule, created_at, created_by, updated_at, pos = row
    return MonitorRow(monitor_id, organization_id, model_id, loads(rule), created_at,
                      created_by, updated_at, int(pos))


def monitors_of_model(db: Database, model_id: str) -> list[MonitorRow]:
    with db.read() as tx:
        rows = tx.rows(f"SELECT {MONITOR_COLUMNS} FROM monitors WHERE model_id = ?"
                       " AND deleted = 0 ORDER BY created_at, monitor_id", (model_id,))
    return [_monitor(row) for row in rows]


def find_monitor(db: Database, model_id: str, monitor_id: str) -> MonitorRow:
    with db.read() as tx:
        row = tx.row(f"SELECT {MONITOR_COLUMNS} FROM monitors WHERE monitor_id = ?"
                     " AND model_id = ? AND deleted = 0", (monitor_id, model_id))
    if row is None:
        raise NotFound(f"Monitor '{monitor_id}' not found")
    return _monitor(row)


def monitor_count(db: Database, model_id: str) -> int:
    with db.read() as tx:
        return int(tx.value("SELECT COUNT(*) FROM monitors WHERE model_id = ? AND deleted = 0",
                            (model_id,)))


def enabled_monitors(tx: Tx) -> list[MonitorRow]:
    """Every enabled monitor of every organization (the evaluator's work list)."""
    return [_monitor(row) for row in tx.rows(
        f"SELECT {MONITOR_COLUMNS} FROM monitors WHERE deleted = 0 AND enabled = 1"
        " ORDER BY monitor_id")]


def alert_states(tx: Tx, monitor_id: str, bucket: str, first_start: str) -> dict[str, str]:
    """The state of each bucket of the monitor judged not ok, from `first_start` on."""
    return {start: state for start, state in tx.rows(
        "SELECT bucket_start, state FROM alerts WHERE monitor_id = ? AND bucket = ?"
        " AND bucket_start >= ? AND state <> 'ok'", (monitor_id, bucket, first_start))}


@dataclass(frozen=True)
class AlertQuery:
    state: str | None  # "open" | "resolved" | None (both)
    monitor_id: str | None
    start: str | None  # bucket starts in [start, end)
    end: str | None
    limit: int
    offset: int


def alerts_of_model(db: Database, model_id: str, query: AlertQuery) -> list[dict[str, Any]]:
    """Newest first (by last change), each with its transitions in order. Alerts of deleted
    monitors are listed only when their monitor is asked for."""
    conditions, params = ["a.model_id = ?"], [model_id]
    if query.state == "open":
        conditions.append("a.state <> 'ok'")
    elif query.state == "resolved":
        conditions.append("a.state = 'ok'")
    if query.monitor_id is not None:
        conditions.append("a.monitor_id = ?")
        params.append(query.monitor_id)
    else:
        conditions.append("m.deleted = 0")
    if query.start is not None:
        conditions.append("a.bucket_start >= ?")
        params.append(query.start)
    if query.end is not None:
        conditions.append("a.bucket_start < ?")
        params.append(query.end)
    with db.read() as tx:
        alerts = tx.rows(
            "SELECT a.alert_id, a.monitor_id, m.rule, a.bucket, a.bucket_start, a.state,"
            " a.opened_at, a.updated_at, a.latest FROM alerts a"
            " JOIN monitors m ON m.monitor_id = a.monitor_id"
            f" WHERE {' AND '.join(conditions)}"
            " ORDER BY a.updated_at DESC, a.alert_id LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset))
        transitions: dict[str, list[dict[str, Any]]] = {str(row[0]): [] for row in alerts}
        if transitions:
            for alert_id, position, kind, at, data in tx.rows_in(
                    "SELECT alert_id, position, type, at, data FROM alert_transitions"
                    " WHERE 1 = 1", (), "alert_id", sorted(transitions)):
                transitions[alert_id].append({"type": kind, "at": at, "position": int(position),
                                              **loads(data)})
    answers = []
    for alert_id, monitor_id, rule, bucket, start, state, opened_at, updated_at, latest in alerts:
        steps = sorted(transitions[str(alert_id)], key=lambda step: step["position"])
        latest_data = loads(latest) if latest else {}
        answers.append({
            "alert_id": alert_id, "monitor_id": monitor_id, "monitor_name": loads(rule)["name"],
            "metric": loads(rule)["metric"], "bucket": bucket, "bucket_start": start,
            "state": "resolved" if state == "ok" else "open",
            "severity": None if state == "ok" else state,
            "value": latest_data.get("value"),
            "comparison_value": latest_data.get("comparison_value"),
            "opened_at": opened_at, "updated_at": updated_at, "transitions": steps})
    return answers


def open_alerts(tx: Tx, organization_id: str) -> list[tuple[str, str, str]]:
    """(model_id, monitor_id, severity) of the organization's open alerts."""
    return [(str(model_id), str(monitor_id), str(state)) for model_id, monitor_id, state in
            tx.rows("SELECT a.model_id, a.monitor_id, a.state FROM alerts a JOIN monitors m"
                    " ON m.monitor_id = a.monitor_id WHERE a.organization_id = ?"
                    " AND a.state <> 'ok' AND m.deleted = 0", (organization_id,))]


@dataclass(frozen=True)
class WebhookRow:
    webhook_id: str
    organization_id: str
    name: str
    url: str
    events: list[str]
    secret: str
    created_at: str
    updated_at: str
    paused: bool


WEBHOOK_COLUMNS = ("webhook_id, organization_id, name, url, events, secret, created_at,"
                   " updated_at, paused")


def _webhook(row: Any) -> WebhookRow:
    webhook_id, organization_id, name, url, events, secret, created_at, updated_at, paused = row
    return WebhookRow(webhook_id, organization_id, name, url, loads(events), secret, created_at,
                      updated_at, bool(paused))


def webhooks_of(db: Database, organization_id: str) -> list[WebhookRow]:
    with db.read() as tx:
        return webhooks_in(tx, organization_id)


def webhooks_in(tx: Tx, organization_id: str) -> list[WebhookRow]:
    return [_webhook(row) for row in tx.rows(
        f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE organization_id = ? AND deleted = 0"
        " ORDER BY created_at, webhook_id", (organization_id,))]


def webhook_count(db: Database, organization_id: str) -> int:
    with db.read() as tx:
        return int(tx.value("SELECT COUNT(*) FROM webhooks WHERE organization_id = ?"
                            " AND deleted = 0", (organization_id,)))


def find_webhook(db: Database, organization_id: str, webhook_id: str,
                 deleted_too: bool = False) -> WebhookRow:
    with db.read() as tx:
        row = tx.row(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE webhook_id = ?"
                     " AND organization_id = ?" + ("" if deleted_too else " AND deleted = 0"),
                     (webhook_id, organization_id))
    if row is None:
        raise NotFound(f"Webhook '{webhook_id}' not found")
    return _webhook(row)


def find_monitor_of_organization(db: Database, organization_id: str, monitor_id: str
                                 ) -> MonitorRow:
    """The organization's monitor by its id alone (v3 names alert rules without their model)."""
    with db.read() as tx:
        row = tx.row(f"SELECT {MONITOR_COLUMNS} FROM monitors WHERE monitor_id = ?"
                     " AND organization_id = ? AND deleted = 0", (monitor_id, organization_id))
    if row is None:
        raise NotFound(f"Monitor '{monitor_id}' not found")
    return _monitor(row)


@dataclass(frozen=True)
class AlertingQuery:
    """Transitions of one monitor into warning or critical, by the judged bucket's start in
    [start, end). `order` is (key, descending) pairs, keys of ALERTING_ORDER."""

    monitor_id: str
    start: str | None
    end: str | None
    order: tuple[tuple[str, bool], ...]
    limit: int
    offset: int


@dataclass(frozen=True)
class AlertingRow:
    alert_id: str
    bucket: str
    bucket_start: str
    position: int  # of the transition's event
    type: str
    at: str
    data: dict[str, Any]
    step: int  # 1 for the bucket's first transition, 2 for its next one, ...


def _state_of_transition(dialect: str) -> str:
    if dialect == "sqlite":
        return "json_extract(t.data, '$.state')"
    return "(t.data::json ->> 'state')"


ALERTING_ORDER = ("at", "bucket_start", "state")


def alerting_transitions(db: Database, query: AlertingQuery) -> tuple[list[AlertingRow], int]:
    """A page of the transitions that raised, escalated or eased an alert of the monitor (its
    resolutions left out), and how many there are in all."""
    conditions = ["a.monitor_id = ?", "t.type <> 'AlertResolved'"]
    params: list[Any] = [query.monitor_id]
    if query.start is not None:
        conditions.append("a.bucket_start >= ?")
        params.append(query.start)
    if query.end is not None:
        conditions.append("a.bucket_start < ?")
        params.append(query.end)
    source = (" FROM alert_transitions t JOIN alerts a ON a.alert_id = t.alert_id"
              f" WHERE {' AND '.join(conditions)}")
    with db.read() as tx:
        columns = {"at": "t.at", "bucket_start": "a.bucket_start",
                   "state": _state_of_transition(tx.dialect)}
        terms = [f"{columns[key]} {'DESC' if descending else 'ASC'}"
                 for key, descending in query.order]
        last = "DESC" if query.order and query.order[0][1] else "ASC"
        total = int(tx.value(f"SELECT COUNT(*){source}", params))
        rows = tx.rows(
            "SELECT a.alert_id, a.bucket, a.bucket_start, t.position, t.type, t.at, t.data,"
            " (SELECT COUNT(*) FROM alert_transitions s WHERE s.alert_id = t.alert_id"
            "  AND s.position <= t.position)"
            f"{source} ORDER BY {', '.join([*terms, f't.position {last}'])} LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset))
    return [AlertingRow(str(alert_id), str(bucket), str(start), int(position), str(kind),
                        str(at), loads(data), int(step))
            for alert_id, bucket, start, position, kind, at, data, step in rows], total
