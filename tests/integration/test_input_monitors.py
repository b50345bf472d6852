"""Monitors on input metrics (drift, data integrity, traffic) judge each bucket with the value
the input queries answer, equal to scipy's and numpy's on the same rows, raise and record
alerts like performance monitors, show in the organization's scrape, and a rule that cannot
be measured is refused naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from scipy.spatial.distance import jensenshannon

from perfledger.api.v1 import prometheus
from perfledger.domain.timestamps import format_micros, to_micros
from perfledger.scheduler.evaluation import evaluate_monitors
from tests.integration.drifting import (
    DAYS,
    START,
    bins_of,
    day_of,
    drifting_model,
    iso,
    violates,
)
from tests.scenario import Scenario

NOW = START + timedelta(days=DAYS, hours=2)


@pytest.fixture
def model(scenario: Scenario) -> tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]:
    train, production = drifting_model(scenario)
    created = scenario.post("/baselines", {"name": "training", "type": "static",
                                           "dataset_split": "train"})
    assert created.status_code == 201, created.text
    scenario.catch_up()
    return scenario, train, production


def day(n: int) -> str:
    return format_micros(to_micros(START + timedelta(days=n)))


def monitor(s: Scenario, **rule: Any) -> dict[str, Any]:
    answer = s.post("/monitors", {"name": f"watch {rule['metric']}", "bucket": "day",
                                  "version": "v1", "condition": "above", **rule})
    assert answer.status_code == 201, answer.text
    s.catch_up()
    return dict(answer.json())


def evaluate(s: Scenario, now: datetime = NOW) -> int:
    found = evaluate_monitors(s.container.engine, s.container.ledger, now)
    s.catch_up()
    return found.transitions


def raised(s: Scenario, monitor_id: str) -> dict[str, dict[str, Any]]:
    """Each alerting bucket's first transition."""
    answer = s.get("/alerts", monitor_id=monitor_id)
    assert answer.status_code == 200, answer.text
    return {alert["bucket_start"]: alert["transitions"][0] for alert in answer.json()}


def expected_states(values: list[float], warning: float, critical: float) -> dict[str, str]:
    return {day(n): "critical" if value > critical else "warning"
            for n, value in enumerate(values) if value > warning}


def test_a_drift_monitor_judges_each_day_by_scipys_distance_from_the_baseline(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, train, production = model
    reference = bins_of(train, "age")
    jsd = [float(jensenshannon(bins_of([r for r in production if day_of(r) == n], "age"),
                               reference)) for n in range(DAYS)]
    warning, critical = float(np.quantile(jsd, 0.3)), float(np.quantile(jsd, 0.7))
    watching = monitor(s, metric="jsd", column="age", baseline="training", warning=warning,
                       critical=critical)
    assert (watching["column"], watching["baseline"], watching["min_rows"]) == (
        "age", "training", 1)

    assert evaluate(s) == len(expected_states(jsd, warning, critical))
    found = raised(s, watching["monitor_id"])
    assert {start: t["type"] for start, t in found.items()} == {
        start: "AlertRaised" for start in expected_states(jsd, warning, critical)}
    for n, value in enumerate(jsd):
        if day(n) in found:
            transition = found[day(n)]
            assert transition["value"] == pytest.approx(value, abs=1e-9)
            assert transition["state"] == expected_states(jsd, warning, critical)[day(n)]
            assert transition["labeled_count"] == sum(day_of(r) == n for r in production)
    assert evaluate(s) == 0  # nothing moved


def test_the_worst_column_is_judged_with_any(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, _ = model
    served = s.get("/inputs/drift", start=iso(START), end=iso(START + timedelta(days=DAYS)),
                   metrics="psi")
    assert served.status_code == 200, served.text
    worst = [max(c["psi"] for c in point["columns"].values() if c["psi"] is not None)
             for point in served.json()["points"]]
    watching = monitor(s, metric="psi", column="__ANY__", warning=min(worst) / 2)
    assert evaluate(s) == DAYS  # the default baseline: every day is above half the least
    found = raised(s, watching["monitor_id"])
    assert [found[day(n)]["value"] for n in range(DAYS)] == pytest.approx(worst, abs=1e-9)


def test_integrity_monitors_count_missing_values_and_violating_rows(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, production = model
    per_day = [[r["features"] for r in production if day_of(r) == n] for n in range(DAYS)]
    missing = [sum(f["plan"] is None for f in rows) for rows in per_day]
    share = [sum(violates(f) for f in rows) / len(rows) for rows in per_day]
    counting = monitor(s, metric="missing_count", column="plan", warning=0)
    violating = monitor(s, metric="any_violation_percentage", warning=min(share) - 1e-6)
    assert evaluate(s) == sum(m > 0 for m in missing) + DAYS
    counted = raised(s, counting["monitor_id"])
    assert {start: t["value"] for start, t in counted.items()} == {
        day(n): m for n, m in enumerate(missing) if m > 0}
    shares = raised(s, violating["monitor_id"])
    assert [shares[day(n)]["value"] for n in range(DAYS)] == pytest.approx(share, abs=1e-12)


def test_traffic_that_stops_raises_an_alert_for_each_empty_bucket(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    s, _, production = model
    watching = monitor(s, metric="traffic", condition="below", warning=1)
    later = START + timedelta(days=DAYS + 3, hours=2)
    assert evaluate(s, later) == 3  # three days without rows; none before the first row
    found = raised(s, watching["monitor_id"])
    assert sorted(found) == [day(DAYS), day(DAYS + 1), day(DAYS + 2)]
    assert {t["value"] for t in found.values()} == {0.0}
    heavy = monitor(s, name="busy", metric="traffic", warning=len(production) / DAYS)
    evaluate(s, later)
    busy = raised(s, heavy["monitor_id"])
    assert {start: t["value"] for start, t in busy.items()} == {
        day(n): float(count) for n in range(DAYS)
        if (count := sum(day_of(r) == n for r in production)) > len(production) / DAYS}


def test_the_scrape_shows_an_input_monitors_latest_value_and_rows(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    s, _, production = model
    monkeypatch.setattr(prometheus, "now_micros", lambda: to_micros(NOW))
    monitor(s, metric="missing_count", column="age", warning=10_000)
    answer = s.client.get("/api/v1/metrics/prometheus", headers=s.headers)
    assert answer.status_code == 200, answer.text
    samples = {family.name: family.samples
               for family in text_string_to_metric_families(answer.text)}
    [value] = samples["perfledger_monitor_value"]
    last = [r["features"]["age"] for r in production if day_of(r) == DAYS - 1]
    assert value.labels["metric"] == "missing_count"
    assert value.value == sum(age is None for age in last)
    [rows] = samples["perfledger_monitor_rows"]
    assert rows.value == len(last)
    assert samples["perfledger_monitor_labeled_rows"] == []


@pytest.mark.parametrize(("rule", "field", "named"), [
    ({"metric": "jsd", "column": "height"}, "column", "age"),
    ({"metric": "jsd", "column": "note"}, "column", "has no bins"),
    ({"metric": "jsd"}, "column", "__ANY__"),
    ({"metric": "jsd", "column": "age", "baseline": "nope"}, "baseline", "training"),
    ({"metric": "traffic", "column": "age"}, "column", "counts rows"),
    ({"metric": "missing_count", "column": "age", "baseline": "training"}, "baseline",
     "only drift"),
    ({"metric": "missing_count", "column": "age", "tags": {"region": "eu"}}, "tags",
     "no tags"),
    ({"metric": "accuracy", "column": "age"}, "column", "input metrics"),
    ({"metric": "drift"}, "metric", "jsd"),
])
def test_an_input_rule_that_cannot_be_measured_is_refused_naming_the_field(
        model: tuple[Scenario, list[dict[str, Any]], list[dict[str, Any]]],
        rule: dict[str, Any], field: str, named: str) -> None:
    s, _, _ = model
    head = s.head()
    answer = s.post("/monitors", {"name": "bad", "warning": 0.1, **rule})
    assert answer.status_code == 400, answer.text
    assert answer.json()["extra"]["fields"].keys() >= {field}
    assert named in answer.json()["extra"]["fields"][field]
    assert s.head() == head


def test_a_model_without_columns_or_baselines_cannot_be_watched_for_drift(
        scenario: Scenario) -> None:
    scenario.create_model(name="plain", task="binary_classification", labels=["no", "yes"],
                          inputs=["age"])
    plain = scenario.post("/monitors", {"name": "drift", "metric": "jsd", "column": "age",
                                        "warning": 0.1})
    assert plain.status_code == 400
    assert "declares none" in plain.json()["extra"]["fields"]["metric"]
    scenario.create_model(name="typed", task="binary_classification", labels=["no", "yes"],
                          inputs=["age"], columns=[{"name": "age", "type": "float", "min": 0,
                                                    "max": 9}])
    typed = scenario.post("/monitors", {"name": "drift", "metric": "jsd", "column": "age",
                                        "warning": 0.1})
    assert typed.status_code == 400
    assert "no baseline" in typed.json()["extra"]["fields"]["baseline"]
