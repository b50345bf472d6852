"""v3 alert rules, records and webhooks over HTTP, as fiddler-client sends them: rules map onto
monitors (and show in the model's history), records are the alerts' transitions, and what
perfledger cannot judge is a 400 in the v3 error shape naming the field; another
organization's rules and webhooks are 404."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.api.settings import Settings
from perfledger.api.v3.alert_records import record_id
from perfledger.domain.timestamps import format_timestamp, parse_timestamp, to_micros
from perfledger.scheduler.evaluation import evaluate_monitors
from tests.conftest import bearer
from tests.v3 import create_model, create_project, model_body

START = datetime(2026, 9, 1, tzinfo=UTC)
NOW = START + timedelta(days=10, hours=3)
HOOK = "http://127.0.0.1:9/hook"  # allowed by the operator below; never called here


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_allow="127.0.0.1:*")


@pytest.fixture
def model(client: TestClient[Any], admin: dict[str, str]) -> dict[str, Any]:
    body = model_body(create_project(client, admin), event_ts_col="ts")
    body["schema"]["columns"].append({"name": "ts", "data_type": "timestamp"})
    return dict(create_model(client, admin, body))


def rule_body(model_id: str, **fields: Any) -> dict[str, Any]:
    """Every key, nulls explicit, as `AlertRule.create()` sends them."""
    body: dict[str, Any] = {
        "name": "accuracy drop", "model_id": model_id, "metric_id": "accuracy",
        "priority": "HIGH", "compare_to": "raw_value", "condition": "lesser",
        "bin_size": "Day", "segment_id": None, "threshold_type": "manual",
        "auto_threshold_params": None, "critical_threshold": 0.6, "warning_threshold": 0.8,
        "feature_names": None, "compare_bin_delta": None, "evaluation_delay": 0,
        "category": None,
    }
    body.update(fields)
    return body


def created(client: TestClient[Any], headers: dict[str, str], body: dict[str, Any]
            ) -> dict[str, Any]:
    answer = client.post("/v3/alert-rules", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def day_rows(day: int, correct: int, wrong: int) -> list[dict[str, Any]]:
    """Rows on day `day` (at START + day), predicted 'yes' (score 0.9)."""
    moment = START + timedelta(days=day, hours=1)
    return [{"row": f"d{day}-{i}", "age": 40, "income": 1.0, "score": 0.9,
             "churned": "yes" if i < correct else "no", "ts": moment.isoformat()}
            for i in range(correct + wrong)]


def publish(client: TestClient[Any], headers: dict[str, str], model_id: str,
            events: list[dict[str, Any]]) -> None:
    answer = client.post("/v3/events", headers=headers, json={
        "model_id": model_id, "env_type": "PRODUCTION",
        "source": {"type": "EVENTS", "events": events}})
    assert answer.status_code == 202, answer.text


def evaluate(container: Container) -> int:
    found = evaluate_monitors(container.engine, container.ledger, NOW)
    container.engine.catch_up_all(budget_seconds=60)
    return found.transitions


def day(n: int) -> str:
    return format_timestamp(START + timedelta(days=n))


def millis(text: str) -> int:
    return to_micros(parse_timestamp(text)) // 1000


def rules_filter(*triples: tuple[str, str, Any]) -> str:
    return json.dumps({"condition": "AND", "rules": [
        {"field": f, "operator": o, "value": v} for f, o, v in triples]})


def test_a_rule_is_a_monitor_created_read_listed_changed_and_deleted(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]) -> None:
    rule = created(client, admin, rule_body(model["id"], metric_id="auc", category="quality",
                                            feature_names=["age", "income", "age"]))
    assert (rule["metric"]["id"], rule["metric"]["type"]) == ("auc", "performance")
    assert (rule["bin_size"], rule["compare_to"], rule["condition"]) == (
        "Day", "raw_value", "lesser")
    assert (rule["model"]["id"], rule["model"]["version"]) == (model["id"], "v1")
    assert rule["project"]["id"] == model["project"]["id"]
    assert rule["feature_names"] == ["age", "income"] and rule["enable_notification"] is True

    monitor = client.get(f"/api/v1/models/{model['id']}/monitors/{rule['id']}",
                         headers=admin).json()
    assert (monitor["metric"], monitor["bucket"], monitor["condition"]) == (
        "roc_auc", "day", "below")
    assert (monitor["critical"], monitor["warning"], monitor["dataset_split"]) == (
        0.6, 0.8, "production")
    assert (monitor["version"], monitor["priority"], monitor["category"]) == (
        "v1", "HIGH", "quality")

    assert client.get(f"/v3/alert-rules/{rule['id']}", headers=admin).json()["data"] == rule
    second = created(client, admin, rule_body(model["id"], name="loss", metric_id="log_loss",
                                              condition="greater", critical_threshold=2.0,
                                              warning_threshold=1.0, bin_size="Hour",
                                              compare_to="time_period", compare_bin_delta=24))
    assert (second["compare_to"], second["compare_bin_delta"]) == ("time_period", 24)
    listing = client.get("/v3/alert-rules", headers=admin, params={
        "filter": rules_filter(("model_id", "equal", model["id"])), "ordering": "-name"})
    assert listing.status_code == 200, listing.text
    assert [r["name"] for r in listing.json()["data"]["items"]] == ["loss", "accuracy drop"]
    by_column = client.get("/v3/alert-rules", headers=admin, params={
        "filter": rules_filter(("model_id", "equal", model["id"]),
                               ("feature_names", "any", "income"))}).json()["data"]
    assert [r["id"] for r in by_column["items"]] == [rule["id"]] and by_column["total"] == 1

    patched = client.patch(f"/v3/alert-rules/{rule['id']}", headers=admin, json={
        "critical_threshold": 0.5, "warning_threshold": None, "evaluation_delay": 30,
        "auto_threshold_params": None})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["data"]["critical_threshold"],
            patched.json()["data"]["warning_threshold"],
            patched.json()["data"]["evaluation_delay"]) == (0.5, None, 30)
    off = client.patch(f"/v3/alert-rules/{rule['id']}", headers=admin,
                       json={"enable_notification": False})
    assert off.status_code == 200 and off.json()["data"]["enable_notification"] is False
    assert client.get(f"/v3/alert-rules/{rule['id']}",
                      headers=admin).json()["data"]["enable_notification"] is False

    history = client.get(f"/api/v1/models/{model['id']}/history", headers=admin).json()
    changes = [e["data"]["changes"] for e in history if e["type"] == "MonitorChanged"]
    assert changes[0] == {"critical": 0.5, "warning": None, "evaluation_delay_minutes": 30}
    assert changes[1]["notifications"]["enabled"] is False

    assert client.delete(f"/v3/alert-rules/{rule['id']}", headers=admin).status_code == 200
    gone = client.get(f"/v3/alert-rules/{rule['id']}", headers=admin)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == 404


def test_notification_settings_merge_and_name_only_the_organizations_webhooks(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any],
        org: str) -> None:
    rule = created(client, admin, rule_body(model["id"]))
    url = f"/v3/alert-rules/{rule['id']}/notification"
    fresh = client.get(url, headers=admin).json()["data"]
    assert fresh == {"emails": [], "pagerduty_services": [], "pagerduty_severity": "",
                     "webhooks": []}
    hook = client.post("/v2/webhooks", headers=admin,
                       json={"name": "ops", "url": HOOK, "provider": "SLACK"})
    assert hook.status_code == 200, hook.text
    hook_id = hook.json()["data"]["uuid"]
    first = client.patch(url, headers=admin, json={"emails": ["a@b.io", "a@b.io"],
                                                   "webhooks": [hook_id]})
    assert first.status_code == 200, first.text
    second = client.patch(url, headers=admin, json={"pagerduty_services": ["ml"],
                                                    "pagerduty_severity": "critical"})
    assert second.json()["data"] == {"emails": ["a@b.io"], "pagerduty_services": ["ml"],
                                     "pagerduty_severity": "critical", "webhooks": [hook_id]}
    assert client.get(url, headers=admin).json()["data"] == second.json()["data"]

    other = bearer(str(uuid.uuid4()))
    foreign = client.post("/v2/webhooks", headers=other,
                          json={"name": "theirs", "url": HOOK, "provider": "SLACK"})
    assert foreign.status_code == 200, foreign.text
    head = client.app.state.container.engine.log.head()
    refused = client.patch(url, headers=admin,
                           json={"webhooks": [foreign.json()["data"]["uuid"]]})
    assert refused.status_code == 400, refused.text
    assert "webhooks" in refused.json()["error"]["message"]
    bad_email = client.patch(url, headers=admin, json={"emails": ["not-an-address"]})
    assert bad_email.status_code == 400 and "emails" in bad_email.text
    assert client.app.state.container.engine.log.head() == head


@pytest.mark.parametrize(("fields", "named", "says"), [
    ({"metric_id": "jsd"}, "feature_names", "watches one column"),
    ({"metric_id": "null_violation_percentage", "feature_names": ["age", "income"]},
     "feature_names", "watches one column"),
    ({"metric_id": "traffic", "feature_names": ["age"]}, "feature_names", "counts rows"),
    ({"metric_id": "jsd", "feature_names": ["age"], "baseline_id": str(uuid.uuid4())},
     "baseline_id", "no baseline"),
    ({"metric_id": "jsd", "feature_names": ["__ANY__"]}, "baseline_id", "no baseline"),
    ({"metric_id": "frequency"}, "metric_id", "statistic"),
    ({"metric_id": "fpr"}, "metric_id", "does not compute"),
    ({"metric_id": "r2"}, "metric_id", "not a metric of a binary_classification"),
    ({"metric_id": str(uuid.uuid4())}, "metric_id", "custom metrics"),
    ({"bin_size": "Month"}, "bin_size", "'Month' is not supported"),
    ({"compare_to": "baseline"}, "compare_to", "not supported"),
    ({"compare_to": "time_period", "compare_bin_delta": 5}, "compare_bin_delta", "1, 7, 30"),
    ({"condition": "outside_range"}, "condition", "not supported"),
    ({"threshold_type": "standard_deviation_auto_threshold", "critical_threshold": None,
      "warning_threshold": None,
      "auto_threshold_params": {"warning_multiplier": 1.0, "critical_multiplier": 2.0}},
     "threshold_type", "automatic thresholds"),
    ({"baseline_id": str(uuid.uuid4())}, "baseline_id", "only drift rules"),
    ({"segment_id": str(uuid.uuid4())}, "segment_id", "segments"),
    ({"critical_threshold": None}, "critical_threshold", "required"),
    ({"critical_threshold": 0.9}, "critical_threshold", "at or below the warning"),
    ({"evaluation_delay": 100_000}, "evaluation_delay", "minutes"),
    ({"feature_names": ["age", "colour"]}, "feature_names", "'colour'"),
    ({"priority": "URGENT"}, "priority", "HIGH, MEDIUM, LOW"),
])
def test_what_perfledger_cannot_judge_is_a_400_naming_the_field(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any],
        fields: dict[str, Any], named: str, says: str) -> None:
    head = client.app.state.container.engine.log.head()
    answer = client.post("/v3/alert-rules", json=rule_body(model["id"], **fields),
                         headers=admin)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == 400 and error["errors"][0]["reason"] == "BadRequest"
    assert f"{named}: " in error["message"] and says in error["message"]
    assert client.app.state.container.engine.log.head() == head


def test_another_organizations_rules_and_webhooks_are_not_found(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]) -> None:
    rule = created(client, admin, rule_body(model["id"]))
    hook = client.post("/v2/webhooks", headers=admin,
                       json={"name": "ops", "url": HOOK, "provider": "SLACK"}).json()["data"]
    other = bearer(str(uuid.uuid4()))
    rule_url = f"/v3/alert-rules/{rule['id']}"
    for answer in (
        client.get(rule_url, headers=other),
        client.patch(rule_url, headers=other, json={"enable_notification": False}),
        client.delete(rule_url, headers=other),
        client.get(f"{rule_url}/notification", headers=other),
        client.patch(f"{rule_url}/notification", headers=other, json={"emails": []}),
        client.get(f"/v2/alert-configs/{rule['id']}/records", headers=other),
        client.get(f"/v3/alert-rules/{rule['id']}/records", headers=other),
        client.post("/v3/alert-rules", json=rule_body(model["id"]), headers=other),
        client.get(f"/v2/webhooks/{hook['uuid']}", headers=other),
        client.patch(f"/v2/webhooks/{hook['uuid']}", headers=other, json={"name": "x"}),
        client.delete(f"/v2/webhooks/{hook['uuid']}", headers=other),
        client.get("/v3/alert-rules/not-a-uuid", headers=admin),
        client.get("/v2/webhooks/not-a-uuid", headers=admin),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["errors"][0]["reason"] == "ObjectNotFound"
    listing = client.get("/v3/alert-rules", headers=other, params={
        "filter": rules_filter(("model_id", "equal", model["id"]))})
    assert listing.status_code == 404
    assert client.get("/v2/webhooks", headers=other).json()["data"]["items"] == []
    assert client.get(rule_url, headers=admin).status_code == 200


def test_a_listing_must_name_the_model_and_known_fields(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]) -> None:
    created(client, admin, rule_body(model["id"]))
    for params in ({}, {"filter": "{"},
                   {"filter": rules_filter(("name", "equal", "x"))},
                   {"filter": rules_filter(("model_id", "equal", model["id"]),
                                           ("colour", "equal", "red"))},
                   {"filter": rules_filter(("model_id", "equal", model["id"])),
                    "ordering": "colour"}):
        answer = client.get("/v3/alert-rules", headers=admin, params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"]["code"] == 400


def test_records_are_the_v1_alerts_transitions_with_the_rule_in_force(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any],
        container: Container) -> None:
    for n, (correct, wrong) in {0: (10, 0), 1: (5, 5), 2: (7, 3), 3: (10, 0)}.items():
        publish(client, admin, model["id"], day_rows(n, correct, wrong))
    raw = created(client, admin, rule_body(model["id"]))
    change = created(client, admin, rule_body(
        model["id"], name="day over day", compare_to="time_period", compare_bin_delta=1,
        critical_threshold=-0.4, warning_threshold=-0.2))
    assert evaluate(container) == 3

    alerts = client.get(f"/api/v1/models/{model['id']}/alerts", headers=admin,
                        params={"monitor_id": raw["id"]}).json()
    answer = client.get(f"/v2/alert-configs/{raw['id']}/records", headers=admin, params=[
        ("start_time", "2026-08-25 00:00:00"), ("end_time", "2026-09-30 00:00:00"),
        ("ordering", "alert_time_bucket"), ("limit", 50), ("offset", 0)])
    assert answer.status_code == 200, answer.text
    page = answer.json()["data"]
    assert (page["total"], page["page_count"], page["page_index"]) == (2, 1, 1)
    records = page["items"]
    # each transition into an alert state is a record: its alert's transitions[sub_version-1]
    expected = sorted(((alert, step, t) for alert in alerts
                       for step, t in enumerate(alert["transitions"], start=1)
                       if t["type"] != "AlertResolved"),
                      key=lambda found: found[0]["bucket_start"])
    assert [r["uuid"] for r in records] == [record_id(alert["alert_id"], step)
                                            for alert, step, _ in expected]
    for record, (alert, step, transition) in zip(records, expected, strict=True):
        assert (record["alert_id"], record["alert_record_sub_version"]) == (
            alert["alert_id"], step)
        assert record["alert_time_bucket"] == millis(alert["bucket_start"])
        assert record["alert_value"] == pytest.approx(transition["value"])
        assert record["severity"] == transition["state"].upper()
        assert (record["critical_threshold"], record["warning_threshold"]) == (
            transition["critical"], transition["warning"])
        assert (record["alert_config_uuid"], record["alert_config_revision"]) == (raw["id"], 1)
        assert record["is_alert"] is True
    assert [(r["alert_time_bucket"], r["severity"]) for r in records] == [
        (millis(day(1)), "CRITICAL"), (millis(day(2)), "WARNING")]

    # a stricter rule escalates day 2: a second record of that bucket, under revision 2
    stricter = client.patch(f"/v3/alert-rules/{raw['id']}", headers=admin, json={
        "critical_threshold": 0.75, "warning_threshold": 0.9, "evaluation_delay": 0,
        "auto_threshold_params": None})
    assert stricter.status_code == 200, stricter.text
    assert evaluate(container) == 1
    newest = client.get(f"/v2/alert-configs/{raw['id']}/records", headers=admin, params=[
        ("start_time", "2026-08-25 00:00:00"), ("ordering", "-created_at")]).json()["data"]
    escalated = newest["items"][0]
    assert newest["total"] == 3
    assert (escalated["alert_time_bucket"], escalated["severity"]) == (
        millis(day(2)), "CRITICAL")
    assert (escalated["alert_config_revision"], escalated["alert_record_sub_version"],
            escalated["critical_threshold"]) == (2, 2, 0.75)

    [relative] = client.get(f"/v3/alert-rules/{change['id']}/records",
                            headers=admin).json()["data"]["items"]
    # day 1 (0.5) against day 0 (1.0): -50 %
    assert relative["alert_value"] == pytest.approx(-0.5)
    assert relative["baseline_value"] == pytest.approx(1.0)
    assert (relative["alert_time_bucket"], relative["baseline_time_bucket"]) == (
        millis(day(1)), millis(day(0)))

    narrow = client.get(f"/v2/alert-configs/{raw['id']}/records", headers=admin, params={
        "start_time": "2026-09-02 00:00:00", "end_time": "2026-09-02 23:59:59"})
    assert [r["severity"] for r in narrow.json()["data"]["items"]] == ["CRITICAL"]
    by_severity = client.get(f"/v2/alert-configs/{raw['id']}/records", headers=admin, params=[
        ("ordering", "severity"), ("ordering", "-alert_time_bucket")]).json()["data"]["items"]
    assert [(r["severity"], r["alert_time_bucket"]) for r in by_severity] == [
        ("CRITICAL", millis(day(2))), ("CRITICAL", millis(day(1))), ("WARNING", millis(day(2)))]
    for params in ({"ordering": "colour"}, {"start_time": "yesterday"}):
        refused = client.get(f"/v2/alert-configs/{raw['id']}/records", headers=admin,
                             params=params)
        assert refused.status_code == 400, refused.text


def test_webhooks_have_unique_names_a_provider_and_a_form_encoded_update(
        client: TestClient[Any], admin: dict[str, str]) -> None:
    made = client.post("/v2/webhooks", headers=admin,
                       json={"name": "ops", "url": HOOK, "provider": "MS_TEAMS"})
    assert made.status_code == 200, made.text
    hook = made.json()["data"]
    assert (hook["name"], hook["provider"], hook["uuid"]) == ("ops", "MS_TEAMS", hook["id"])
    v1 = client.get(f"/api/v1/webhooks/{hook['id']}", headers=admin).json()
    assert v1["events"] == ["alert.raised", "alert.escalated", "alert.eased", "alert.resolved"]

    duplicate = client.post("/v2/webhooks", headers=admin,
                            json={"name": "ops", "url": HOOK, "provider": "SLACK"})
    assert duplicate.status_code == 409, duplicate.text
    assert "already exists" in duplicate.json()["error"]["message"]
    old = client.post("/api/v1/webhooks", headers=admin,
                      json={"name": "legacy", "url": HOOK, "events": ["alert.raised"]})
    assert old.status_code == 201, old.text
    assert client.post("/v2/webhooks", headers=admin, json={
        "name": "legacy", "url": HOOK, "provider": "SLACK"}).status_code == 409
    for provider in ("GENERIC", "slack"):
        refused = client.post("/v2/webhooks", headers=admin,
                              json={"name": "x", "url": HOOK, "provider": provider})
        assert refused.status_code == 400 and "provider" in refused.text
    private = client.post("/v2/webhooks", headers=admin,
                          json={"name": "x", "url": "http://10.0.0.1/hook", "provider": "SLACK"})
    assert private.status_code == 400, private.text

    changed = client.patch(f"/v2/webhooks/{hook['id']}", headers=admin,
                           data={"name": "ops2", "url": HOOK + "2", "provider": "SLACK"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["data"]["name"], changed.json()["data"]["provider"]) == (
        "ops2", "SLACK")
    renamed_onto = client.patch(f"/v2/webhooks/{hook['id']}", headers=admin,
                                json={"name": "legacy"})
    assert renamed_onto.status_code == 409, renamed_onto.text
    # the old name is free again
    again = client.post("/v2/webhooks", headers=admin,
                        json={"name": "ops", "url": HOOK, "provider": "SLACK"})
    assert again.status_code == 200, again.text

    named = client.get("/v2/webhooks", headers=admin, params={
        "filter": rules_filter(("name", "equal", "ops2"))}).json()["data"]
    assert named["total"] == 1 and named["items"][0]["id"] == hook["id"]
    listed = client.get("/v2/webhooks", headers=admin).json()["data"]["items"]
    assert [(w["name"], w["provider"]) for w in listed] == [
        ("ops2", "SLACK"), ("legacy", "OTHER"), ("ops", "SLACK")]
    assert client.delete(f"/v2/webhooks/{hook['id']}", headers=admin).status_code == 200
    assert client.get(f"/v2/webhooks/{hook['id']}", headers=admin).status_code == 404
    assert client.post("/v2/webhooks", headers=admin, json={
        "name": "ops2", "url": HOOK, "provider": "SLACK"}).status_code == 200
    for body in ({"name": ""}, {"colour": "red"}):
        assert client.patch(f"/v2/webhooks/{again.json()['data']['id']}", headers=admin,
                            json=body).status_code == 400
    garbage = client.patch(f"/v2/webhooks/{again.json()['data']['id']}", content=b"{",
                           headers={**admin, "Content-Type": "application/json"})
    assert garbage.status_code == 400, garbage.text


ALERT_OPERATIONS = {
    ("/v3/alert-rules", "get"), ("/v3/alert-rules", "post"),
    ("/v3/alert-rules/{alert_rule_id}", "get"), ("/v3/alert-rules/{alert_rule_id}", "patch"),
    ("/v3/alert-rules/{alert_rule_id}", "delete"),
    ("/v3/alert-rules/{alert_rule_id}/notification", "get"),
    ("/v3/alert-rules/{alert_rule_id}/notification", "patch"),
    ("/v3/alert-rules/{alert_rule_id}/records", "get"),
    ("/v2/alert-configs/{alert_config_id}/records", "get"),
    ("/v2/webhooks", "get"), ("/v2/webhooks", "post"),
    ("/v2/webhooks/{webhook_id}", "get"), ("/v2/webhooks/{webhook_id}", "patch"),
    ("/v2/webhooks/{webhook_id}", "delete"),
}


def test_the_openapi_document_lists_every_alert_operation(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    documented = {(path.rstrip("/"), method) for path, item in paths.items() for method in item
                  if path.startswith(("/v3/alert-", "/v2/"))}
    assert documented == ALERT_OPERATIONS
    records = {p["name"] for p in paths["/v2/alert-configs/{alert_config_id}/records"]["get"][
        "parameters"]}
    assert {"start_time", "end_time", "ordering", "limit", "offset"} <= records


def test_a_monitor_made_through_v1_shows_as_a_rule_with_its_records(
        client: TestClient[Any], admin: dict[str, str], model: dict[str, Any],
        container: Container) -> None:
    publish(client, admin, model["id"], day_rows(1, 5, 5))
    made = client.post(f"/api/v1/models/{model['id']}/monitors", headers=admin, json={
        "name": "v1 watch", "metric": "accuracy", "bucket": "day", "version": "v1",
        "warning": 0.9})
    assert made.status_code == 201, made.text
    url = f"/v3/alert-rules/{made.json()['monitor_id']}"
    rule = client.get(url, headers=admin).json()["data"]
    assert (rule["priority"], rule["metric"]["id"], rule["critical_threshold"],
            rule["warning_threshold"], rule["enable_notification"]) == (
        "MEDIUM", "accuracy", None, 0.9, True)
    head = container.engine.log.head()
    assert client.patch(url, headers=admin, json={"enable_notification": True}).status_code == 200
    assert container.engine.log.head() == head  # already on: nothing recorded
    off = client.patch(url, headers=admin, json={"enable_notification": False})
    assert off.status_code == 200, off.text
    assert evaluate(container) == 1
    [record] = client.get(f"{url}/records", headers=admin).json()["data"]["items"]
    assert (record["severity"], record["alert_value"]) == ("WARNING", 0.5)
    # the client needs a critical threshold: a warning-only monitor shows its warning one
    assert (record["critical_threshold"], record["warning_threshold"]) == (0.9, 0.9)
    assert record["alert_config_revision"] == 2
