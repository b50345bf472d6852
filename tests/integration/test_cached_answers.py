"""Cached answers survive live traffic to other series, and never outlive their own."""

from __future__ import annotations

from typing import Any

import pytest

from perfledger.api.services.windows import Windows
from perfledger.api.v1 import performance
from tests.scenario import Scenario


def rows(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"row_id": f"{prefix}{i}", "predicted_label": "yes" if i % 3 else "no",
             "true_label": "yes" if i % 2 else "no", "timestamp": "2026-11-02T10:00:00Z"}
            for i in range(count)]


def test_a_write_to_one_series_leaves_another_series_answers_cached(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[str] = []
    summary_reader, timeseries_reader = performance.cached_performance, Windows.timeseries

    def counted_summary(*args: Any) -> Any:
        builds.append("summary")
        return summary_reader(*args)

    async def counted_timeseries(self: Windows, *args: Any) -> Any:
        builds.append("timeseries")
        return await timeseries_reader(self, *args)

    monkeypatch.setattr(performance, "cached_performance", counted_summary)
    monkeypatch.setattr(Windows, "timeseries", counted_timeseries)
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"])
    for version in ("v1", "v2"):
        scenario.trained_version(version)
        scenario.send_predictions(version, rows(version, 30), split="production")
    scenario.catch_up()
    window = {"start": "2026-11-01", "end": "2026-11-04", "version_id": "v1"}

    def read_v1() -> tuple[Any, Any]:
        summary = scenario.get("/performance/summary", version_id="v1",
                               dataset_split="production")
        series = scenario.get("/performance/timeseries", **window)
        assert summary.status_code == 200 and series.status_code == 200, series.text
        return summary.json(), series.json()

    first = read_v1()
    assert builds == ["summary", "timeseries"]

    # Step: another series of the same model takes a batch; the positions move.
    head = scenario.head()
    scenario.send_predictions("v2", rows("late", 10), split="production")
    scenario.catch_up()
    assert scenario.head() > head
    assert read_v1() == first
    assert builds == ["summary", "timeseries"]  # both served from the cache

    # Step: v1's own series takes a batch: its answers are read again, and show it.
    scenario.send_predictions("v1", rows("more", 5), split="production")
    scenario.catch_up()
    summary, series = read_v1()
    assert builds == ["summary", "timeseries"] * 2
    assert summary["sample_count"] == 35
    assert series["points"][1]["sample_count"] == 35


def test_a_label_first_seen_in_another_series_refreshes_a_cached_confusion_matrix(
        scenario: Scenario) -> None:
    scenario.create_model(name="open-set", task="multiclass_classification")
    scenario.trained_version()
    scenario.send_predictions("v1", [{"row_id": "a", "predicted_label": "x", "true_label": "y"}])
    first = scenario.get("/performance/confusion-matrix",
                         min_position=scenario.token_of(scenario.head())).json()
    assert first["labels"] == ["x", "y"]

    # Step: another split of the model brings a label the cached matrix has not seen.
    scenario.send_predictions("v1", [{"row_id": "b", "predicted_label": "z", "true_label": "z"}],
                              split="production")
    widened = scenario.get("/performance/confusion-matrix",
                           min_position=scenario.token_of(scenario.head())).json()
    assert widened["labels"] == ["x", "y", "z"]
    assert widened["matrix"] == [[0, 0, 0], [1, 0, 0], [0, 0, 0]]
