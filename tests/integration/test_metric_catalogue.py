"""The metric catalogue is what the service serves: `GET /api/v1/metrics` lists every metric
of the registry, and each one is answered by summaries, timeseries, segments and
comparisons, and watched by monitors and Prometheus, with no code naming it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from perfledger.api.v1 import prometheus
from perfledger.domain.metrics.catalogue import METRICS, names_for
from perfledger.domain.timestamps import to_micros
from tests.closeness import assert_close, binary_expected
from tests.conftest import bearer
from tests.integration.test_monitors import NOW, create_monitor, evaluate, model_with_days
from tests.scenario import Scenario

BINARY = names_for("binary_classification")
REGRESSION = names_for("regression")


def catalogue(scenario: Scenario, **params: Any) -> list[dict[str, Any]]:
    answer = scenario.client.get("/api/v1/metrics", params=params, headers=scenario.headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["metrics"])


def test_the_catalogue_lists_every_metric_with_its_tasks_direction_and_format(
        scenario: Scenario) -> None:
    listed = catalogue(scenario)

    assert [entry["name"] for entry in listed] == [metric.name for metric in METRICS]
    by_name = {entry["name"]: entry for entry in listed}
    assert by_name["balanced_accuracy"] == {
        "name": "balanced_accuracy", "display_name": "Balanced accuracy",
        "tasks": ["binary_classification", "multiclass_classification"],
        "direction": "higher_is_better", "format": "percent", "needs_labels": True,
        "needs_scores": False, "headline_of": []}
    assert by_name["log_loss"]["direction"] == "lower_is_better"
    assert by_name["roc_auc"]["needs_scores"] is True
    assert by_name["rmse"]["headline_of"] == ["regression"]
    assert [entry["name"] for entry in catalogue(scenario, task="regression")] == list(REGRESSION)


def test_any_credential_reads_the_catalogue_and_a_bad_task_is_refused(scenario: Scenario) -> None:
    jobs_only = bearer("9b0f3f0e-1111-4222-8333-944445555666", "read:job_metrics")
    assert scenario.client.get("/api/v1/metrics", headers=jobs_only).status_code == 200
    assert scenario.client.get("/api/v1/metrics").status_code == 401
    refused = scenario.client.get("/api/v1/metrics", params={"task": "clustering"},
                                  headers=scenario.headers)
    assert refused.status_code == 400
    assert "task" in refused.text


def shared_rows(scenario: Scenario) -> tuple[np.ndarray, ...]:
    """Two versions scoring the same tagged, labeled rows."""
    rng = np.random.default_rng(3)
    n, labels = 600, ["stay", "churn"]
    truth = rng.integers(0, 2, n)
    scenario.create_model(name="churn", task="binary_classification", labels=labels)
    predictions = {}
    for version in ("v1", "v2"):
        scores = np.clip(truth * 0.3 + rng.random(n) * 0.7, 0, 1).round(2)
        predicted = (scores >= 0.5).astype(int)
        predictions[version] = (predicted, scores)
        scenario.trained_version(version)
        scenario.send_predictions(version, [
            {"row_id": f"r{i}", "predicted_label": labels[predicted[i]],
             "score": float(scores[i]), "true_label": labels[truth[i]],
             "timestamp": "2026-11-02T10:00:00Z", "tags": {"region": ["eu", "us"][i % 2]}}
            for i in range(n)], split="production")
    scenario.catch_up()
    return truth, *predictions["v1"], *predictions["v2"]


def test_every_metric_is_answered_by_summary_timeseries_segments_and_compare(
        scenario: Scenario) -> None:
    truth, predicted, scores, other_predicted, other_scores = shared_rows(scenario)
    split = {"version_id": "v1", "dataset_split": "production"}

    summary = scenario.summary(**split)
    assert_close(summary["metrics"], binary_expected(truth, predicted, scores))
    point = scenario.get("/performance/timeseries", start="2026-11-02", end="2026-11-03",
                         **split).json()["points"][0]
    assert_close(point["metrics"], binary_expected(truth, predicted, scores))
    eu = np.arange(truth.size) % 2 == 0
    for by_window in ({}, {"start": "2026-11-01"}):  # kept segments, and read from the rows
        segments = scenario.get("/performance/segments", by="region", **by_window,
                                **split).json()["segments"]
        [segment] = [s for s in segments if s["value"] == "eu"]
        assert_close(segment["metrics"], binary_expected(truth[eu], predicted[eu], scores[eu]))
    compared = scenario.get("/performance/compare", baseline="v1", candidate="v2",
                            dataset_split="production").json()
    assert_close(compared["candidate"]["metrics"],
                 binary_expected(truth, other_predicted, other_scores))
    assert set(compared["delta"]) == set(BINARY)


@pytest.mark.parametrize("metric", BINARY)
def test_a_monitor_watches_each_metric_and_prometheus_shows_its_value(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch, metric: str) -> None:
    monkeypatch.setattr(prometheus, "now_micros", lambda: to_micros(NOW))
    version = model_with_days(scenario, {1: (6, 4), 2: (9, 1)})
    create_monitor(scenario, version=version, metric=metric, name=f"daily {metric}",
                   condition="above", warning=1e9)
    evaluate(scenario)

    answer = scenario.client.get("/api/v1/metrics/prometheus", headers=scenario.headers)
    [value] = [sample for family in text_string_to_metric_families(answer.text)
               if family.name == "perfledger_monitor_value" for sample in family.samples]
    day_two = scenario.get("/performance/timeseries", version_id=version,
                           dataset_split="production", start="2026-09-03",
                           end="2026-09-04").json()["points"][0]["metrics"][metric]
    assert value.labels["metric"] == metric
    assert value.value == pytest.approx(day_two, abs=1e-12)
