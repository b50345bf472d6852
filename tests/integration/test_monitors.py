"""Monitors judge their buckets and record only changes of state: each comparison kind and
condition, warning against critical, `min_labeled`, the evaluation delay, a monitor following
the promoted version, restatement by a late label, and the alerts in the model's history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from perfledger.api.v1 import prometheus
from perfledger.domain.timestamps import format_micros, to_micros
from perfledger.scheduler import evaluation
from perfledger.scheduler.evaluation import evaluate_monitors
from tests.conftest import bearer
from tests.scenario import Scenario

START = datetime(2026, 9, 1, tzinfo=UTC)
NOW = START + timedelta(days=10, hours=3)
LABELS = ["stay", "churn"]


def day(n: int) -> str:
    return format_micros(to_micros(START + timedelta(days=n)))


def send_day(scenario: Scenario, version: str, n: int, correct: int, wrong: int,
             labeled: bool = True, prefix: str = "") -> list[str]:
    """`correct` rows predicted right and `wrong` rows predicted wrong on day `n`."""
    records, ids = [], []
    for i in range(correct + wrong):
        truth = LABELS[i % 2]
        predicted = truth if i < correct else LABELS[1 - i % 2]
        row_id = f"{prefix}{version}-{n}-{i}"
        ids.append(row_id)
        records.append({"row_id": row_id, "predicted_label": predicted,
                        "score": 0.9 if predicted == "churn" else 0.1,
                        "timestamp": (START + timedelta(days=n, minutes=i)).isoformat(),
                        **({"true_label": truth} if labeled else {})})
    scenario.send_predictions(version, records, split="production")
    return ids


def model_with_days(scenario: Scenario, accuracy_by_day: dict[int, tuple[int, int]],
                     version: str = "v1") -> str:
    if not scenario.model_id:
        scenario.create_model(name="churn", task="binary_classification", labels=LABELS)
    scenario.trained_version(version)
    for n, (correct, wrong) in accuracy_by_day.items():
        send_day(scenario, version, n, correct, wrong)
    scenario.catch_up()
    return version


def create_monitor(scenario: Scenario, **rule: Any) -> dict[str, Any]:
    body = {"name": "daily accuracy", "metric": "accuracy", "bucket": "day", **rule}
    answer = scenario.post("/monitors", body)
    assert answer.status_code == 201, answer.text
    scenario.catch_up()
    return dict(answer.json())


def evaluate(scenario: Scenario, now: datetime = NOW) -> int:
    found = evaluate_monitors(scenario.container.engine, scenario.container.ledger, now)
    scenario.catch_up()
    return found.transitions


def alerts(scenario: Scenario, **params: Any) -> list[dict[str, Any]]:
    answer = scenario.get("/alerts", **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def by_bucket(found: list[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    return {alert["bucket_start"]: (alert["state"], alert["severity"]) for alert in found}


def test_a_value_monitor_raises_warning_and_critical_and_nothing_twice(
        scenario: Scenario) -> None:
    version = model_with_days(scenario, {0: (19, 1), 1: (17, 3), 2: (16, 4), 3: (20, 0)})
    create_monitor(scenario, version=version, warning=0.9, critical=0.85)

    assert evaluate(scenario) == 2
    found = by_bucket(alerts(scenario))
    # 0.95 ok; 0.85 is not below 0.85: warning; 0.80 critical; 1.0 ok
    assert found == {day(1): ("open", "warning"), day(2): ("open", "critical")}
    [critical] = [a for a in alerts(scenario) if a["severity"] == "critical"]
    [raised] = critical["transitions"]
    assert raised["type"] == "AlertRaised" and raised["value"] == pytest.approx(0.8)
    assert (raised["warning"], raised["critical"], raised["labeled_count"]) == (0.9, 0.85, 20)
    assert raised["restated"] is False and raised["position"] > 0

    head = scenario.head()
    assert evaluate(scenario) == 0 and scenario.head() == head  # nothing changed
    history = scenario.get("/history").json()
    assert [e["type"] for e in history].count("AlertRaised") == 2
    assert "MonitorCreated" in [e["type"] for e in history]


def test_an_above_monitor_on_a_loss_and_a_bucket_short_of_labels(scenario: Scenario) -> None:
    version = model_with_days(scenario, {0: (10, 10), 1: (2, 2)})
    create_monitor(scenario, version=version, metric="log_loss", condition="above",
                   critical=1.0, min_labeled=5)
    assert evaluate(scenario) == 1
    assert by_bucket(alerts(scenario)) == {day(0): ("open", "critical")}


def test_the_evaluation_delay_holds_a_bucket_back(scenario: Scenario) -> None:
    version = model_with_days(scenario, {9: (1, 9)})  # day 9 ends 3 hours before NOW
    create_monitor(scenario, version=version, critical=0.5, evaluation_delay_minutes=240)
    assert evaluate(scenario) == 0
    assert evaluate(scenario, NOW + timedelta(hours=1, minutes=1)) == 1
    assert by_bucket(alerts(scenario)) == {day(9): ("open", "critical")}


def test_previous_compares_the_relative_change_against_buckets_back(scenario: Scenario) -> None:
    version = model_with_days(scenario, {0: (20, 0), 1: (19, 1), 7: (14, 6), 8: (19, 1)})
    create_monitor(scenario, version=version, compare_to={"type": "previous", "buckets_back": 7},
                   warning=-0.1, critical=-0.25)
    assert evaluate(scenario) == 1
    [alert] = alerts(scenario)
    # day 7: 0.70 against day 0's 1.0 is -30 %; day 8: 0.95 against 0.95 is 0
    assert (alert["bucket_start"], alert["severity"]) == (day(7), "critical")
    assert alert["value"] == pytest.approx(0.7) and alert["comparison_value"] == pytest.approx(1.0)


def test_version_compares_two_versions_on_the_same_bucket(scenario: Scenario) -> None:
    model_with_days(scenario, {0: (18, 2), 1: (18, 2)})
    model_with_days(scenario, {0: (19, 1), 1: (12, 8)}, version="v2")
    create_monitor(scenario, version="v2", compare_to={"type": "version", "version_id": "v1"},
                   warning=-0.05)
    assert evaluate(scenario) == 1
    [alert] = alerts(scenario)
    assert (alert["bucket_start"], alert["severity"]) == (day(1), "warning")
    assert alert["value"] == pytest.approx(0.6) and alert["comparison_value"] == pytest.approx(0.9)


def test_a_monitor_follows_the_promoted_version_across_a_promotion(scenario: Scenario) -> None:
    model_with_days(scenario, {0: (10, 10)})
    model_with_days(scenario, {0: (20, 0)}, version="v2")
    create_monitor(scenario, critical=0.8)
    assert evaluate(scenario) == 0  # nothing promoted: nothing judged
    for version in ("v1", "v2"):
        answer = scenario.post(f"/versions/{version}/promote", {})
        assert answer.status_code == 200, answer.text
        scenario.catch_up()
        evaluate(scenario)
    [alert] = alerts(scenario, state="resolved")
    steps = [(t["type"], t["version_id"], t["restated"]) for t in alert["transitions"]]
    assert steps == [("AlertRaised", "v1", False), ("AlertResolved", "v2", False)]


def test_a_late_label_restates_a_judged_bucket(scenario: Scenario) -> None:
    version = model_with_days(scenario, {})
    send_day(scenario, version, 2, 10, 0)
    unlabeled = send_day(scenario, version, 2, 0, 10, labeled=False, prefix="late-")
    scenario.catch_up()
    create_monitor(scenario, version=version, warning=0.9)
    assert evaluate(scenario) == 0  # 10 of 10 labeled rows right

    # rows predicted 'stay' turn out 'churn': 10 of 15 right
    scenario.send_labels(version, [{"row_id": row_id, "true_label": "churn"}
                                   for row_id in unlabeled[1::2]], split="production")
    scenario.catch_up()
    assert evaluate(scenario) == 1
    [alert] = alerts(scenario, state="open")
    assert alert["transitions"][0]["restated"] is True

    # corrected: they were 'stay' after all
    scenario.send_labels(version, [{"row_id": row_id, "true_label": "stay"}
                                   for row_id in unlabeled[1::2]], split="production")
    scenario.catch_up()
    assert evaluate(scenario) == 1
    [alert] = alerts(scenario, state="resolved")
    assert [(t["type"], t["restated"]) for t in alert["transitions"]] == [
        ("AlertRaised", True), ("AlertResolved", True)]
    assert alerts(scenario, state="open") == []


def test_monitors_are_created_changed_listed_and_deleted_as_events(scenario: Scenario) -> None:
    version = model_with_days(scenario, {0: (5, 5)})
    monitor = create_monitor(scenario, version=version, warning=0.9, tags={"region": "eu"})
    url = f"/monitors/{monitor['monitor_id']}"
    changed = scenario.client.patch(f"/api/v1/models/{scenario.model_id}{url}",
                                    json={"warning": 0.8, "enabled": False},
                                    headers=scenario.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["warning"], changed.json()["enabled"]) == (0.8, False)
    scenario.catch_up()
    assert [m["warning"] for m in scenario.get("/monitors").json()] == [0.8]
    assert evaluate(scenario) == 0  # disabled
    gone = scenario.client.delete(f"/api/v1/models/{scenario.model_id}{url}",
                                  headers=scenario.headers)
    assert gone.status_code == 200, gone.text
    scenario.catch_up()
    assert scenario.get("/monitors").json() == []
    assert scenario.get(url).status_code == 404
    types = [(e["type"], e["data"].get("changes")) for e in scenario.get("/history").json()
             if e["type"].startswith("Monitor")]
    assert types == [("MonitorCreated", None),
                     ("MonitorChanged", {"warning": 0.8, "enabled": False}),
                     ("MonitorDeleted", None)]


@pytest.mark.parametrize(("rule", "field"), [
    ({"metric": "rmse", "warning": 1.0}, "metric"),
    ({"metric": "accuracy", "version": "nope", "warning": 1.0}, "version"),
    ({"metric": "accuracy"}, "warning"),
    ({"metric": "accuracy", "warning": 0.8, "critical": 0.9}, "critical"),
    ({"metric": "accuracy", "warning": 0.8,
      "compare_to": {"type": "version", "version_id": "v9"}}, "compare_to.version_id"),
])
def test_a_rule_that_cannot_be_judged_is_refused_naming_the_field(
        scenario: Scenario, rule: dict[str, Any], field: str) -> None:
    model_with_days(scenario, {})
    head = scenario.head()
    answer = scenario.post("/monitors", {"name": "m", **rule})
    assert answer.status_code == 400, answer.text
    assert field in answer.text
    assert scenario.head() == head


@pytest.mark.parametrize("body", [
    {"name": "m", "metric": "accuracy", "warning": 0.9, "color": "red"},
    {"name": "m", "metric": "accuracy", "warning": 0.9, "bucket": "month"},
    {"name": "m", "metric": "accuracy", "warning": 0.9, "compare_to": {"type": "baseline"}},
    {"name": "m", "metric": "accuracy", "warning": 0.9, "min_labeled": -1},
    {"name": "", "metric": "accuracy", "warning": 0.9},
])
def test_malformed_monitors_are_refused(scenario: Scenario, body: dict[str, Any]) -> None:
    model_with_days(scenario, {})
    assert scenario.post("/monitors", body).status_code == 400


def test_the_organizations_scrape_shows_its_monitored_values_and_open_alerts_only(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prometheus, "now_micros", lambda: to_micros(NOW))
    version = model_with_days(scenario, {1: (5, 5), 2: (9, 1)})
    create_monitor(scenario, version=version, warning=0.9, critical=0.6)
    assert evaluate(scenario) == 1  # day 1: 0.5 critical
    answer = scenario.client.get("/api/v1/metrics/prometheus", headers=scenario.headers)
    assert answer.status_code == 200, answer.text
    samples = {family.name: family.samples
               for family in text_string_to_metric_families(answer.text)}
    [value] = samples["perfledger_monitor_value"]
    assert value.value == pytest.approx(0.9)  # the newest bucket with a value: day 2
    assert value.labels["model"] == "churn" and value.labels["version"] == version
    [alert] = samples["perfledger_open_alerts"]
    assert (alert.labels["severity"], alert.value) == ("critical", 1.0)

    other = scenario.client.get("/api/v1/metrics/prometheus",
                                headers=bearer(str(uuid.uuid4())))
    assert other.status_code == 200
    others = {family.name: family.samples
              for family in text_string_to_metric_families(other.text)}
    assert others["perfledger_monitor_value"] == [] and others["perfledger_open_alerts"] == []


def test_the_scrape_reads_a_series_once_and_leaves_out_a_monitor_it_cannot_read(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.projections.monitoring import latest
    from perfledger.projections.performance import windows

    monkeypatch.setattr(prometheus, "now_micros", lambda: to_micros(NOW))
    version = model_with_days(scenario, {1: (5, 5), 2: (9, 1)})
    for metric in ("accuracy", "recall", "f1_score"):
        create_monitor(scenario, version=version, name=metric, metric=metric, warning=0.1)
    create_monitor(scenario, version=version, name="eu", tags={"region": "eu"}, warning=0.1)
    reads: list[object] = []
    counted = latest.timeseries_in
    monkeypatch.setattr(latest, "timeseries_in", lambda *args: reads.append(args) or counted(
        *args))
    monkeypatch.setattr(windows, "MAX_WINDOW_ROWS", 10)  # the tagged one reads 20 rows

    answer = scenario.client.get("/api/v1/metrics/prometheus", headers=scenario.headers)
    assert answer.status_code == 200, answer.text
    samples = {family.name: family.samples
               for family in text_string_to_metric_families(answer.text)}
    values = {sample.labels["monitor"]: sample.value
              for sample in samples["perfledger_monitor_value"]}
    assert values == pytest.approx({"accuracy": 0.9, "recall": 0.8, "f1_score": 16 / 18})
    assert len(reads) == 2  # the three untagged monitors' series once, the tagged one once


def test_a_pass_out_of_time_leaves_the_rest_for_the_next_organizations_taking_turns(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no time left after the first monitor, each pass judges one; the one judged
    longest ago goes first, so every monitor is judged in turn and none twice meanwhile."""
    version = model_with_days(scenario, {1: (5, 5)})
    for name in ("a", "b", "c"):
        create_monitor(scenario, name=name, version=version, critical=0.8)
    other = Scenario(scenario.client, scenario.container, bearer(str(uuid.uuid4())))
    model_with_days(other, {1: (5, 5)})
    create_monitor(other, name="z", version="v1", critical=0.8)
    monkeypatch.setattr(evaluation, "PASS_BUDGET_SECONDS", 0.0)

    def fired() -> set[str]:
        return {alert["monitor_name"] for alert in alerts(scenario) + alerts(other)}

    seen = []
    for _ in range(5):
        found = evaluate_monitors(scenario.container.engine, scenario.container.ledger, NOW)
        scenario.catch_up()
        seen.append((found.monitors, fired()))
    # one a pass; the other organization's turn comes second, not after a, b and c
    assert [count for count, _ in seen] == [1, 1, 1, 1, 0]
    assert len(seen[0][1]) == 1 and "z" in seen[1][1] and seen[3][1] == {"a", "b", "c", "z"}




def test_a_monitor_may_notify_only_its_organizations_webhooks(scenario: Scenario) -> None:
    version = model_with_days(scenario, {})
    unknown = str(uuid.uuid4())
    answer = scenario.post("/monitors", {"name": "m", "metric": "accuracy", "warning": 0.9,
                                         "version": version,
                                         "notifications": {"webhooks": [unknown]}})
    assert answer.status_code == 400 and unknown in answer.text


def test_a_model_past_its_monitor_cap_gets_409_and_nothing_recorded(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.api.services import monitoring

    monkeypatch.setattr(monitoring, "MAX_MONITORS_PER_MODEL", 2)
    version = model_with_days(scenario, {})
    for name in ("a", "b"):
        create_monitor(scenario, name=name, version=version, warning=0.9)
    head = scenario.head()
    answer = scenario.post("/monitors", {"name": "c", "metric": "accuracy", "warning": 0.9})
    assert answer.status_code == 409 and "2 monitors" in answer.text
    assert scenario.head() == head
