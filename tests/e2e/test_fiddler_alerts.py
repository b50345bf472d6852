"""fiddler-client's alert calls, unchanged, against a live perfledger on each backend: alert
rules are monitors, alert records are the alerts the server's own scheduler raises (the same
ones `GET /api/v1/models/{id}/alerts` lists), and webhooks are perfledger webhooks that
receive those alerts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import fiddler as fdl
import httpx
import numpy as np
import pandas as pd
import pytest
from fiddler.exceptions import ApiError, Conflict, NotFound

from perfledger.api.settings import Settings
from perfledger.domain.timestamps import parse_timestamp, to_micros
from tests.e2e.conftest import LiveServer, Tenant, started_server, tenant_of
from tests.receiver import Receiver
from tests.waiting import wait_for

# The client warns that publish() is deprecated and calls pydantic's deprecated dict().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def shared_server(module_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[LiveServer]:
    """One live server per module and backend, allowing loopback webhooks: every test here is
    an organization of its own on it (what one organization does, another never sees)."""
    with started_server(module_settings, tmp_path_factory.mktemp("alerts"),
                        {"PERFLEDGER_WEBHOOK_ALLOW": "127.0.0.1:*"}) as server:
        yield server


@pytest.fixture
def server(shared_server: Tenant, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tenant]:
    """A new organization on the live server, with fiddler-client initialised against it as
    that organization's admin."""
    monkeypatch.setenv("FIDDLER_CLIENT_RETRY_MAX_DURATION_SECONDS", "2")
    tenant = tenant_of(shared_server)
    fdl.init(url=tenant.url, token=tenant.token)
    yield tenant


@pytest.fixture(scope="module")
def receivers() -> Iterator[list[Receiver]]:
    """The receivers of this module's tests, kept listening while the shared server runs: an
    earlier test's webhooks are still retried, and never reach a later test's receiver."""
    started: list[Receiver] = []
    yield started
    for found in started:
        found.server.shutdown()


@pytest.fixture
def receiver(receivers: list[Receiver]) -> Receiver:
    found = Receiver()
    receivers.append(found)
    return found


def midnight(days_ago: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def dated_rows(day: datetime, correct: int, wrong: int, prefix: str) -> pd.DataFrame:
    """Rows an hour into `day`, each predicted churned (score 0.9); `correct` of them are."""
    count = correct + wrong
    return pd.DataFrame({
        "id": [f"{prefix}-{i}" for i in range(count)],
        "age": np.arange(count) % 70 + 18,
        "income": np.linspace(30_000, 90_000, count).round(2),
        "score": np.full(count, 0.9),
        "churned": [1 if i < correct else 0 for i in range(count)],
        "ts": [(day + timedelta(hours=1, seconds=i)).isoformat() for i in range(count)],
    })


def onboard_dated(name: str = "churn") -> Any:
    """A binary classifier whose rows carry their time in `ts`."""
    project = fdl.Project.get_or_create(name="alerts")
    sample = pd.concat([dated_rows(midnight(9), 40, 0, "s1"), dated_rows(midnight(8), 0, 40, "s0")])
    spec = fdl.ModelSpec(inputs=["age", "income"], outputs=["score"], targets=["churned"],
                         metadata=["ts"])
    return fdl.Model.from_data(
        source=sample, name=name, project_id=project.id, spec=spec,
        task=fdl.ModelTask.BINARY_CLASSIFICATION, event_id_col="id", event_ts_col="ts",
    ).create()


def accuracy_rule(model: Any, **fields: Any) -> Any:
    arguments: dict[str, Any] = {
        "name": "accuracy drop", "model_id": model.id, "metric_id": "accuracy",
        "priority": fdl.Priority.HIGH, "compare_to": fdl.CompareTo.RAW_VALUE,
        "condition": fdl.AlertCondition.LESSER, "bin_size": fdl.BinSize.DAY,
        "critical_threshold": 0.6, "warning_threshold": 0.8,
    }
    return fdl.AlertRule(**{**arguments, **fields})


def v1(server: Tenant, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{server.url}{path}", params=params,
                       headers={"Authorization": f"Bearer {server.token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def millis(text: str) -> int:
    return to_micros(parse_timestamp(text)) // 1000


def test_alert_rules_are_created_read_listed_updated_and_deleted(server: Tenant) -> None:
    model = onboard_dated()
    rule = accuracy_rule(model, columns=["age"], category="quality").create()
    assert rule.id is not None and rule.created_at is not None and rule.project_id is not None
    fetched = fdl.AlertRule.get(id_=rule.id)
    assert (fetched.name, fetched.metric_id, fetched.model_id) == (
        "accuracy drop", "accuracy", model.id)
    assert (fetched.bin_size, fetched.compare_to, fetched.condition, fetched.priority) == (
        "Day", "raw_value", "lesser", "HIGH")
    assert (fetched.critical_threshold, fetched.warning_threshold) == (0.6, 0.8)
    assert (fetched.columns, fetched.category, fetched.evaluation_delay) == (
        ["age"], "quality", 0)
    assert fetched.model.name == "churn" and fetched.project.name == "alerts"

    change = accuracy_rule(model, name="auc week over week", metric_id="auc",
                           priority=fdl.Priority.LOW, compare_to=fdl.CompareTo.TIME_PERIOD,
                           compare_bin_delta=7, critical_threshold=-0.2,
                           warning_threshold=-0.1).create()
    assert [r.id for r in fdl.AlertRule.list(model_id=model.id)] == [rule.id, change.id]
    assert [r.id for r in fdl.AlertRule.list(model_id=model.id, metric_id="auc")] == [change.id]
    assert [r.id for r in fdl.AlertRule.list(model_id=model.id, columns=["age"])] == [rule.id]
    assert [r.name for r in fdl.AlertRule.list(model_id=model.id, ordering=["-name"])] == [
        "auc week over week", "accuracy drop"]
    [listed] = fdl.AlertRule.list(model_id=model.id, metric_id="auc")
    assert (listed.compare_to, listed.compare_bin_delta) == ("time_period", 7)

    rule.critical_threshold, rule.warning_threshold, rule.evaluation_delay = 0.5, 0.7, 15
    rule.update()
    updated = fdl.AlertRule.get(id_=rule.id)
    assert (updated.critical_threshold, updated.warning_threshold, updated.evaluation_delay) == (
        0.5, 0.7, 15)
    monitor = v1(server, f"/api/v1/models/{model.id}/monitors/{rule.id}")
    assert (monitor["metric"], monitor["bucket"], monitor["condition"]) == (
        "accuracy", "day", "below")
    assert (monitor["critical"], monitor["warning"], monitor["evaluation_delay_minutes"]) == (
        0.5, 0.7, 15)
    assert (monitor["priority"], monitor["feature_names"], monitor["dataset_split"]) == (
        "HIGH", ["age"], "production")

    rule.disable_notifications()
    assert v1(server, f"/v3/alert-rules/{rule.id}")["data"]["enable_notification"] is False
    rule.enable_notifications()
    assert v1(server, f"/v3/alert-rules/{rule.id}")["data"]["enable_notification"] is True

    rule.delete()
    with pytest.raises(NotFound):
        fdl.AlertRule.get(id_=rule.id)
    assert [r.id for r in fdl.AlertRule.list(model_id=model.id)] == [change.id]
    with pytest.raises(NotFound):
        fdl.AlertRule.get(id_=uuid.uuid4())


UNSUPPORTED = [
    ({"metric_id": "jsd"}, "feature_names"),
    ({"metric_id": "traffic", "columns": ["age"]}, "feature_names"),
    ({"metric_id": "frequency"}, "metric_id"),
    ({"bin_size": fdl.BinSize.MONTH}, "bin_size"),
    ({"threshold_type": fdl.AlertThresholdAlgo.STD_DEV_AUTO_THRESHOLD,
      "critical_threshold": None, "warning_threshold": None,
      "auto_threshold_params": {"warning_multiplier": 1.0, "critical_multiplier": 2.0}},
     "threshold_type"),
]


def test_what_perfledger_cannot_judge_is_an_api_error_naming_the_field(
        server: Tenant) -> None:
    model = onboard_dated()
    for fields, field in UNSUPPORTED:
        with pytest.raises(ApiError) as refused:
            accuracy_rule(model, **fields).create()
        assert refused.value.code == 400 and f"{field}: " in refused.value.message, fields
    assert list(fdl.AlertRule.list(model_id=model.id)) == []


def test_notification_config_round_trips_and_names_webhooks(
        server: Tenant, receiver: Receiver) -> None:
    model = onboard_dated()
    rule = accuracy_rule(model).create()
    fresh = rule.get_notification_config()
    assert (fresh.emails, fresh.pagerduty_services, fresh.webhooks) == ([], [], [])
    hook = fdl.Webhook(name="ml-alerts", url=receiver.url, provider="SLACK").create()
    config = rule.set_notification_config(emails=["ml@example.com"], webhooks=[hook.id])
    assert (config.emails, config.webhooks) == (["ml@example.com"], [hook.id])
    config = rule.set_notification_config(pagerduty_services=["ml-oncall"],
                                          pagerduty_severity="critical")
    assert (config.emails, config.pagerduty_services, config.pagerduty_severity,
            config.webhooks) == (["ml@example.com"], ["ml-oncall"], "critical", [hook.id])
    assert rule.get_notification_config() == config
    with pytest.raises(ApiError) as refused:
        rule.set_notification_config(webhooks=[uuid.uuid4()])
    assert refused.value.code == 400 and "webhooks" in refused.value.message
    assert rule.set_notification_config(emails=[]).emails == []


def test_webhooks_are_created_found_listed_updated_and_deleted(
        server: Tenant, receiver: Receiver) -> None:
    hook = fdl.Webhook(name="ml-alerts", url=receiver.url, provider="SLACK").create()
    assert hook.id is not None and hook.provider == "SLACK"
    assert fdl.Webhook.get(id_=hook.id).url == receiver.url
    assert fdl.Webhook.from_name(name="ml-alerts").id == hook.id
    teams = fdl.Webhook(name="teams", url=receiver.url + "/teams", provider="MS_TEAMS").create()
    assert [(w.name, w.provider) for w in fdl.Webhook.list()] == [
        ("ml-alerts", "SLACK"), ("teams", "MS_TEAMS")]
    with pytest.raises(Conflict):
        fdl.Webhook(name="teams", url=receiver.url, provider="SLACK").create()

    hook.name, hook.url, hook.provider = "ml-alerts-2", receiver.url + "/2", "MS_TEAMS"
    hook.update()  # sent form-encoded
    again = fdl.Webhook.get(id_=hook.id)
    assert (again.name, again.url, again.provider) == (
        "ml-alerts-2", receiver.url + "/2", "MS_TEAMS")
    with pytest.raises(NotFound):
        fdl.Webhook.from_name(name="ml-alerts")
    teams.name = "ml-alerts-2"
    with pytest.raises(Conflict):
        teams.update()

    hook.delete()
    with pytest.raises(NotFound):
        fdl.Webhook.get(id_=hook.id)
    assert [w.id for w in fdl.Webhook.list()] == [teams.id]
    assert fdl.Webhook(name="ml-alerts-2", url=receiver.url, provider="SLACK").create().id


def test_alert_records_are_the_alerts_the_scheduler_raises_and_the_webhook_receives(
        server: Tenant, receiver: Receiver) -> None:
    fdl.Webhook(name="ml-alerts", url=receiver.url, provider="SLACK").create()
    model = onboard_dated()
    # three days ago every prediction was right; two days ago half of them
    for day, correct, wrong in ((midnight(3), 20, 0), (midnight(2), 10, 10)):
        rows = dated_rows(day, correct, wrong, day.date().isoformat())
        model.publish(rows.to_dict(orient="records"))
    rule = accuracy_rule(model).create()

    # the live server's scheduler evaluates its monitors every 10 s
    records = wait_for(lambda: list(fdl.AlertRecord.list(alert_rule_id=rule.id)),
                       "the scheduler to raise the alert", timeout=90, step=0.2)
    alerts = v1(server, f"/api/v1/models/{model.id}/alerts", monitor_id=str(rule.id))
    [alert] = alerts
    [transition] = alert["transitions"]
    [record] = records
    assert record.alert_rule_id == rule.id and record.alert_rule_revision == 1
    assert record.alert_time_bucket == millis(alert["bucket_start"]) == int(
        midnight(2).timestamp() * 1000)
    assert record.alert_value == pytest.approx(transition["value"]) == pytest.approx(0.5)
    assert (record.severity, alert["severity"]) == ("CRITICAL", "critical")
    assert (record.critical_threshold, record.warning_threshold) == (
        transition["critical"], transition["warning"])
    assert (record.is_alert, record.alert_record_sub_version) == (True, 1)
    raw = v1(server, f"/v2/alert-configs/{rule.id}/records",
             start_time="2020-01-01 00:00:00")["data"]["items"]
    assert [(item["uuid"], item["alert_id"]) for item in raw] == [
        (str(record.id), alert["alert_id"])]
    assert list(fdl.AlertRecord.list(alert_rule_id=rule.id,
                                     start_time=datetime.now() - timedelta(days=1))) == []

    delivered = wait_for(lambda: [body for body in receiver.bodies
                                  if body["type"] == "alert.raised"],
                         "the webhook to receive the alert", timeout=30, step=0.2)
    assert delivered[0]["alert"]["alert_id"] == alert["alert_id"]
    assert delivered[0]["alert"]["monitor_id"] == str(rule.id)


def rows_of_ages(day: datetime, ages: list[int], prefix: str, missing_income: int = 0
                 ) -> list[dict[str, Any]]:
    """A row a second from an hour into `day` per age; the first `missing_income` of them
    arrive without an income."""
    return [{"id": f"{prefix}-{i}", "age": age,
             "income": None if i < missing_income else 40_000.0 + i, "score": 0.9,
             "churned": i % 2, "ts": (day + timedelta(hours=1, seconds=i)).isoformat()}
            for i, age in enumerate(ages)]


def test_baselines_and_input_alert_rules_catch_drift_nulls_and_stopped_traffic(
        server: Tenant, receiver: Receiver) -> None:
    fdl.Webhook(name="ml-alerts", url=receiver.url, provider="SLACK").create()
    model = onboard_dated()  # ages 18 to 57 in its sample: the schema's bins
    train = pd.DataFrame(rows_of_ages(midnight(20), [20 + i % 10 for i in range(200)], "t"))
    job = model.publish(train, environment=fdl.EnvType.PRE_PRODUCTION, dataset_name="train")
    job.wait()
    drifted = rows_of_ages(midnight(2), [50 + i % 8 for i in range(120)], "p", 15)
    model.publish(drifted)

    dataset = fdl.Dataset.from_name(name="train", model_id=model.id)
    assert dataset.row_count == len(train)
    static = fdl.Baseline(name="training", model_id=model.id, type_="STATIC",
                          environment=fdl.EnvType.PRE_PRODUCTION, dataset_id=dataset.id).create()
    rolling = fdl.Baseline(name="day before", model_id=model.id, type_="ROLLING",
                           environment=fdl.EnvType.PRODUCTION, offset_delta=1,
                           window_bin_size=fdl.WindowBinSize.DAY).create()
    assert (static.type, static.row_count, static.dataset_id) == ("STATIC", 200, dataset.id)
    assert (rolling.type, rolling.offset_delta, rolling.window_bin_size) == ("ROLLING", 1, "Day")
    assert rolling.environment == fdl.EnvType.PRODUCTION and rolling.dataset_id is not None
    assert fdl.Baseline.from_name(name="training", model_id=model.id).id == static.id
    assert [b.name for b in fdl.Baseline.list(model_id=model.id)] == ["training", "day before"]
    assert [b.id for b in fdl.Baseline.list(model_id=model.id, type_="ROLLING")] == [rolling.id]
    fdl.Baseline.get(id_=rolling.id).delete()
    with pytest.raises(NotFound):
        fdl.Baseline.get(id_=rolling.id)

    common: dict[str, Any] = {"model_id": model.id, "priority": fdl.Priority.HIGH,
                              "compare_to": fdl.CompareTo.RAW_VALUE, "bin_size": fdl.BinSize.DAY}
    drift = fdl.AlertRule(name="age drift", metric_id="jsd", columns=["age"],
                          baseline_id=static.id, condition=fdl.AlertCondition.GREATER,
                          critical_threshold=0.5, **common).create()
    nulls = fdl.AlertRule(name="nulls", metric_id="null_violation_count", columns=["__ANY__"],
                          condition=fdl.AlertCondition.GREATER, critical_threshold=0,
                          **common).create()
    traffic = fdl.AlertRule(name="traffic", metric_id="traffic", columns=["__ANY__"],
                            condition=fdl.AlertCondition.LESSER, critical_threshold=1,
                            **common).create()
    assert fdl.AlertRule.get(id_=drift.id).baseline.name == "training"
    assert fdl.AlertRule.get(id_=nulls.id).columns == ["__ANY__"]

    served = v1(server, f"/api/v1/models/{model.id}/inputs/drift", baseline="training",
                columns="age", start=midnight(2).isoformat(), end=midnight(1).isoformat())
    [day_two] = served["points"]
    records = {rule.id: wait_for(lambda rule=rule: list(fdl.AlertRecord.list(
        alert_rule_id=rule.id)), f"the scheduler to raise {rule.name}", timeout=90, step=0.2)
        for rule in (drift, nulls, traffic)}
    [drifting] = records[drift.id]
    assert drifting.alert_value == pytest.approx(day_two["columns"]["age"]["jsd"], abs=1e-9)
    assert drifting.alert_value > 0.5 and drifting.severity == "CRITICAL"
    assert drifting.alert_time_bucket == int(midnight(2).timestamp() * 1000)
    [missing] = records[nulls.id]
    assert missing.alert_value == 15
    [stopped] = records[traffic.id]  # yesterday had no rows; today's bucket is not over
    assert (stopped.alert_value, stopped.alert_time_bucket) == (
        0, int(midnight(1).timestamp() * 1000))
    delivered = wait_for(lambda: {body["alert"]["monitor_id"] for body in receiver.bodies
                                  if body["type"] == "alert.raised"} >= {
        str(drift.id), str(nulls.id), str(traffic.id)},
        "the webhook to receive the three alerts", timeout=30, step=0.2)
    assert delivered
