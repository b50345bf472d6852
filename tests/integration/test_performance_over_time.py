"""Performance over time, per tag, per segment and head to head equals scikit-learn's and
scipy's on the same rows, on both backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy import stats

from perfledger.api.settings import Settings
from perfledger.domain.limits import MAX_LABELS_PER_MODEL
from perfledger.projections.performance import champion
from perfledger.projections.performance.projection import PerformanceProjection
from perfledger.projections.performance.queries import series_id_of
from perfledger.projections.projection import Tables
from tests.closeness import (
    TOLERANCE,
    assert_close,
    binary_expected,
    multiclass_expected,
    regression_expected,
)
from tests.conftest import loaded_once, served_again
from tests.scenario import Scenario

START = datetime(2026, 9, 1, tzinfo=UTC)  # a Tuesday
DAYS = 60
EMPTY_DAYS = {10, 11, 12}  # no traffic: their buckets must still be answered
REGIONS = ["eu", "us", "apac"]
PLANS = ["free", "pro"]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class BinaryTraffic:
    """Rows over 60 days with tags, a numeric feature, and truth for most of them."""

    def __init__(self, seed: int, n: int = 3000) -> None:
        rng = np.random.default_rng(seed)
        days = np.array([d for d in range(DAYS) if d not in EMPTY_DAYS])
        self.offsets = rng.choice(days, n) * 86400 + rng.integers(0, 86400, n)
        self.truth = rng.integers(0, 2, n)
        self.scores = np.clip(self.truth * 0.35 + rng.random(n) * 0.65, 0, 1).round(3)
        self.predicted = (self.scores >= 0.5).astype(int)
        self.labeled = rng.random(n) < 0.85
        self.regions = rng.choice(REGIONS, n)
        self.plans = rng.choice(PLANS, n)
        self.age = rng.integers(18, 90, n)
        self.n = n

    def time(self, i: int) -> datetime:
        return START + timedelta(seconds=int(self.offsets[i]))

    def records(self, labels: list[str]) -> list[dict[str, Any]]:
        return [
            {"row_id": f"r{i}", "predicted_label": labels[self.predicted[i]],
             "score": float(self.scores[i]), "timestamp": iso(self.time(i)),
             "tags": {"region": str(self.regions[i]), "plan": str(self.plans[i])},
             "features": {"age": int(self.age[i])},
             **({"true_label": labels[self.truth[i]]} if self.labeled[i] else {})}
            for i in range(self.n)
        ]

    def expected(self, chosen: np.ndarray) -> dict[str, float | None] | None:
        chosen = chosen & self.labeled
        if not chosen.any():
            return None
        return binary_expected(self.truth[chosen], self.predicted[chosen], self.scores[chosen])

    def in_window(self, start: datetime, end: datetime) -> np.ndarray:
        seconds = self.offsets
        return (seconds >= (start - START).total_seconds()) & (
            seconds < (end - START).total_seconds())


def send(scenario: Scenario, version: str, records: list[dict[str, Any]], split: str) -> None:
    for first in range(0, len(records), 1000):
        scenario.send_predictions(version, records[first:first + 1000], split=split)


def load_binary(scenario: Scenario) -> BinaryTraffic:
    traffic = BinaryTraffic(seed=5)
    scenario.create_model(name="churn", task="binary_classification", labels=["stay", "churn"],
                          inputs=["age"])
    send(scenario, scenario.trained_version(), traffic.records(["stay", "churn"]), "production")
    scenario.catch_up()
    return traffic


@pytest.fixture
def own_binary(scenario: Scenario) -> BinaryTraffic:
    """The binary traffic in this test's own `scenario`: for the tests that add rows, labels
    or versions."""
    return load_binary(scenario)


@pytest.fixture(scope="module")
def loaded_binary(module_settings: Settings) -> Iterator[tuple[Scenario, BinaryTraffic]]:
    def load(*parts: Any) -> tuple[Scenario, BinaryTraffic]:
        scenario = Scenario(*parts)
        return scenario, load_binary(scenario)

    with loaded_once(module_settings, load) as loaded:
        yield loaded


@pytest.fixture
def shared(loaded_binary: tuple[Scenario, BinaryTraffic]) -> Iterator[Scenario]:
    """The model holding the binary traffic, loaded once per module and backend and shared by
    the tests that only read it (no query changes it)."""
    with served_again(loaded_binary[0]) as scenario:
        yield scenario


@pytest.fixture
def binary(loaded_binary: tuple[Scenario, BinaryTraffic]) -> BinaryTraffic:
    """What `shared` holds (for reading only)."""
    return loaded_binary[1]


def timeseries(scenario: Scenario, **params: Any) -> dict[str, Any]:
    scenario.catch_up()
    answer = scenario.get("/performance/timeseries", **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_daily_points_equal_sklearn_on_each_days_rows_and_empty_days_are_present(
        shared: Scenario, binary: BinaryTraffic) -> None:
    end = START + timedelta(days=DAYS)
    served = timeseries(shared, start=iso(START), end=iso(end))

    assert served["bucket"] == "day" and served["dataset_split"] == "production"
    assert (served["start"], served["end"]) == (iso(START), iso(end))
    assert len(served["points"]) == DAYS
    for day, point in enumerate(served["points"]):
        first = START + timedelta(days=day)
        assert (point["start"], point["end"]) == (iso(first), iso(first + timedelta(days=1)))
        chosen = binary.in_window(first, first + timedelta(days=1))
        assert point["sample_count"] == int(chosen.sum())
        assert point["labeled_count"] == int((chosen & binary.labeled).sum())
        if day in EMPTY_DAYS:
            assert point["sample_count"] == 0 and point["metrics"] is None
            assert point["label_coverage"] is None
            continue
        assert point["label_coverage"] == pytest.approx(
            (chosen & binary.labeled).sum() / chosen.sum(), abs=TOLERANCE)
        assert_close(point["metrics"], binary.expected(chosen))  # type: ignore[arg-type]


def test_windows_are_half_open_and_aligned_to_hours_days_and_mondays(
        scenario: Scenario, own_binary: BinaryTraffic) -> None:
    # Step: hours. A window given mid-hour widens to whole hours.
    start = START + timedelta(days=3, hours=5, minutes=20)
    hours = timeseries(scenario, bucket="hour", start=iso(start),
                       end=iso(start + timedelta(hours=30)))
    first_hour = START + timedelta(days=3, hours=5)
    assert hours["start"] == iso(first_hour)
    assert len(hours["points"]) == 31
    for i, point in enumerate(hours["points"]):
        lo = first_hour + timedelta(hours=i)
        chosen = own_binary.in_window(lo, lo + timedelta(hours=1))
        assert point["sample_count"] == int(chosen.sum()), point["start"]

    # Step: weeks start on Monday 00:00 UTC; 2026-09-01 is a Tuesday.
    weeks = timeseries(scenario, bucket="week", start=iso(START),
                       end=iso(START + timedelta(days=DAYS)))
    monday = START - timedelta(days=1)
    assert weeks["start"] == iso(monday)
    for i, point in enumerate(weeks["points"]):
        lo = monday + timedelta(weeks=i)
        assert datetime.fromisoformat(point["start"]).weekday() == 0
        chosen = own_binary.in_window(lo, lo + timedelta(weeks=1))
        assert point["sample_count"] == int(chosen.sum())
        if chosen.any():
            assert_close(point["metrics"], own_binary.expected(chosen))  # type: ignore[arg-type]
    assert sum(p["sample_count"] for p in weeks["points"]) == own_binary.n

    # Step: a row exactly at a bucket's start belongs to it, not to the one before.
    scenario.send_predictions("v1", [
        {"row_id": "edge", "predicted_label": "churn", "score": 0.9, "true_label": "churn",
         "timestamp": iso(START + timedelta(days=80))}], split="production")
    edge = timeseries(scenario, start=iso(START + timedelta(days=79)),
                      end=iso(START + timedelta(days=81)))
    assert [p["sample_count"] for p in edge["points"]] == [0, 1]


def test_tag_filters_keep_only_rows_carrying_every_tag(
        shared: Scenario, binary: BinaryTraffic) -> None:
    end = START + timedelta(days=DAYS)
    served = timeseries(shared, bucket="week", start=iso(START), end=iso(end),
                        **{"tag.region": "eu", "tag.plan": "pro"})
    assert served["tags"] == {"region": "eu", "plan": "pro"}
    tagged = (binary.regions == "eu") & (binary.plans == "pro")
    monday = START - timedelta(days=1)
    for i, point in enumerate(served["points"]):
        lo = monday + timedelta(weeks=i)
        chosen = binary.in_window(lo, lo + timedelta(weeks=1)) & tagged
        assert point["sample_count"] == int(chosen.sum())
        if chosen.any():
            assert_close(point["metrics"], binary.expected(chosen))  # type: ignore[arg-type]
    nobody = timeseries(shared, start=iso(START), end=iso(end), **{"tag.region": "mars"})
    assert all(p["sample_count"] == 0 for p in nobody["points"])


def test_tag_filters_name_tags_as_rows_carry_them_once_each(
        shared: Scenario, binary: BinaryTraffic) -> None:
    for filters, field, words in [({"tag.région": "eu"}, "tag.région", "letters"),
                                  ({"tag." + "r" * 65: "eu"}, "tag." + "r" * 64, "64"),
                                  ({"tag.": "eu"}, "tag.", "letters"),
                                  ({"tag.region": "e" * 257}, "tag.region", "256"),
                                  ({"tag.region": ["eu", "us"]}, "tag.region", "twice")]:
        refused = shared.get("/performance/timeseries", **filters)
        assert refused.status_code == 400, (filters, refused.text)
        assert refused.json()["extra"] == {"field": field}
        assert words in refused.json()["detail"]


def test_metrics_parameter_selects_metrics(shared: Scenario, binary: BinaryTraffic) -> None:
    served = timeseries(shared, start=iso(START), end=iso(START + timedelta(days=2)),
                        metrics="accuracy,roc_auc")
    assert set(served["points"][0]["metrics"]) == {"accuracy", "roc_auc"}
    wrong = shared.get("/performance/timeseries", metrics="accuracy,rmse")
    assert wrong.status_code == 400 and "rmse" in wrong.json()["detail"]


def test_segments_by_tag_are_worst_first_and_equal_sklearn(
        shared: Scenario, binary: BinaryTraffic) -> None:
    answer = shared.get("/performance/segments", by="region")
    assert answer.status_code == 200, answer.text
    served = answer.json()
    assert served["sort"] == "accuracy"
    accuracies = [s["metrics"]["accuracy"] for s in served["segments"]]
    assert accuracies == sorted(accuracies)
    assert {s["value"] for s in served["segments"]} == set(REGIONS)
    for segment in served["segments"]:
        chosen = binary.regions == segment["value"]
        assert segment["sample_count"] == int(chosen.sum())
        assert segment["labeled_count"] == int((chosen & binary.labeled).sum())
        assert_close(segment["metrics"], binary.expected(chosen))  # type: ignore[arg-type]

    # Step: a window by row time, and another ranking metric (log loss: highest is worst).
    end = START + timedelta(days=20)
    ranked = shared.get("/performance/segments", by="plan", sort="log_loss",
                          start=iso(START), end=iso(end)).json()
    losses = [s["metrics"]["log_loss"] for s in ranked["segments"]]
    assert losses == sorted(losses, reverse=True)
    for segment in ranked["segments"]:
        chosen = (binary.plans == segment["value"]) & binary.in_window(START, end)
        assert_close(segment["metrics"], binary.expected(chosen))  # type: ignore[arg-type]


def test_segments_by_a_numeric_feature_use_equal_count_bins(
        shared: Scenario, binary: BinaryTraffic) -> None:
    refused = shared.get("/performance/segments", by="age")
    assert refused.status_code == 400 and "bins" in refused.json()["detail"]

    served = shared.get("/performance/segments", by="age", bins=4).json()
    edges = np.unique(np.quantile(binary.age, np.linspace(0, 1, 5)))
    assert len(served["segments"]) == len(edges) - 1
    assert sum(s["sample_count"] for s in served["segments"]) == binary.n
    for segment in served["segments"]:
        lo, hi = segment["range"]
        assert "value" not in segment
        last = hi == edges[-1]
        chosen = (binary.age >= lo) & ((binary.age <= hi) if last else (binary.age < hi))
        assert segment["sample_count"] == int(chosen.sum())
        assert_close(segment["metrics"], binary.expected(chosen))  # type: ignore[arg-type]


def test_segments_by_a_feature_holding_lists_objects_or_huge_integers_use_their_text(
        scenario: Scenario) -> None:
    scenario.create_model(name="shapes", task="binary_classification", labels=["no", "yes"],
                          inputs=["shape", "size"])
    huge = 10**400  # JSON holds it; no float does
    shapes: list[Any] = [[1, 2], {"b": 1, "a": 2}, [1, 2], "round", [1, 2]]
    sizes = [huge, 5, huge, 5, 7]
    send(scenario, scenario.trained_version(), [
        {"row_id": f"s{i}", "predicted_label": "yes", "true_label": "yes" if i % 2 else "no",
         "features": {"shape": shape, "size": size}}
        for i, (shape, size) in enumerate(zip(shapes, sizes, strict=True))], "production")
    scenario.catch_up()

    by_shape = scenario.get("/performance/segments", by="shape")
    assert by_shape.status_code == 200, by_shape.text
    assert {s["value"]: s["sample_count"] for s in by_shape.json()["segments"]} == {
        "[1,2]": 3, '{"a":2,"b":1}': 1, "round": 1}
    by_size = scenario.get("/performance/segments", by="size")
    assert by_size.status_code == 200, by_size.text
    assert {s["value"]: s["sample_count"] for s in by_size.json()["segments"]} == {
        str(huge): 2, 5: 2, 7: 1}
    binned = scenario.get("/performance/segments", by="size", bins=2)
    assert binned.status_code == 400 and "'size' is not numeric" in binned.json()["detail"]


def test_segments_refuse_what_the_model_does_not_carry(
        shared: Scenario, binary: BinaryTraffic) -> None:
    unknown = shared.get("/performance/segments", by="colour")
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]
    bins_on_tag = shared.get("/performance/segments", by="region", bins=3)
    assert bins_on_tag.status_code == 400 and "bins" in bins_on_tag.json()["detail"]
    bad_sort = shared.get("/performance/segments", by="region", sort="mape")
    assert bad_sort.status_code == 400 and "mape" in bad_sort.json()["detail"]
    two_sorts = shared.get("/performance/segments", by="region", sort="accuracy,recall")
    assert two_sorts.status_code == 400 and "one metric" in two_sorts.json()["detail"]


def test_windows_refuse_too_many_buckets_and_empty_windows(shared: Scenario,
                                                           binary: BinaryTraffic) -> None:
    too_many = shared.get("/performance/timeseries", bucket="hour", start=iso(START),
                            end=iso(START + timedelta(days=60)))
    assert too_many.status_code == 400 and "1000" in too_many.json()["detail"]
    backwards = shared.get("/performance/timeseries", start=iso(START + timedelta(days=2)),
                             end=iso(START))
    assert backwards.status_code == 400 and "end" in backwards.json()["detail"]
    not_a_time = shared.get("/performance/timeseries", start="yesterday")
    assert not_a_time.status_code == 400 and "start" in not_a_time.json()["detail"]
    bucket = shared.get("/performance/timeseries", bucket="month")
    assert bucket.status_code == 400


def test_windows_reaching_past_the_years_1_to_9999_are_refused_and_early_years_padded(
        shared: Scenario, binary: BinaryTraffic) -> None:
    for query, field in [({"end": "0001-01-05"}, "end"),
                         ({"bucket": "hour", "end": "0001-01-01T05:00:00Z"}, "end"),
                         ({"end": "9999-12-31T12:00:00Z"}, "end"),
                         ({"start": "9999-12-20"}, "end"),
                         ({"bucket": "week", "start": "9999-12-27", "end": "9999-12-28"}, "end")]:
        refused = shared.get("/performance/timeseries", **query)
        assert refused.status_code == 400, (query, refused.text)
        assert f"'{field}'" in refused.json()["detail"], query
    early = shared.get("/performance/timeseries", start="0999-05-01", end="0999-05-03")
    assert early.status_code == 200, early.text
    assert [point["start"] for point in early.json()["points"]] == [
        "0999-05-01T00:00:00Z", "0999-05-02T00:00:00Z"]
    first_days = shared.get("/performance/timeseries", start="0001-01-01", end="0001-01-03")
    assert first_days.status_code == 200 and first_days.json()["start"] == "0001-01-01T00:00:00Z"


def test_default_window_is_the_last_30_buckets_up_to_now(shared: Scenario,
                                                         binary: BinaryTraffic) -> None:
    served = timeseries(shared)
    now = datetime.now(UTC)
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    assert len(served["points"]) == 30
    assert served["end"] == iso(today + timedelta(days=1))


def test_multiclass_points_equal_sklearn_with_probabilities(scenario: Scenario) -> None:
    rng = np.random.default_rng(11)
    labels = ["cat", "dog", "owl"]
    n = 2400
    truth = rng.integers(0, 3, n)
    raw = rng.random((n, 3)) + np.eye(3)[truth] * 0.8
    proba = raw / raw.sum(axis=1, keepdims=True)
    predicted = proba.argmax(axis=1)
    offsets = rng.integers(0, DAYS * 86400, n)
    scenario.create_model(name="animals", task="multiclass_classification", labels=labels)
    version = scenario.trained_version()
    send(scenario, version, [
        {"row_id": f"m{i}", "predicted_label": labels[predicted[i]],
         "probabilities": dict(zip(labels, proba[i].tolist(), strict=True)),
         "true_label": labels[truth[i]],
         "timestamp": iso(START + timedelta(seconds=int(offsets[i])))} for i in range(n)],
        "production")

    served = timeseries(scenario, bucket="week", start=iso(START),
                        end=iso(START + timedelta(days=DAYS)))
    monday = START - timedelta(days=1)
    for i, point in enumerate(served["points"]):
        lo = (monday + timedelta(weeks=i) - START).total_seconds()
        chosen = (offsets >= lo) & (offsets < lo + 7 * 86400)
        assert_close(point["metrics"], multiclass_expected(truth[chosen], predicted[chosen],
                                                           proba[chosen], 3))


def test_regression_points_equal_sklearn_and_report_label_delays(scenario: Scenario) -> None:
    rng = np.random.default_rng(3)
    n = 2000
    target = rng.normal(50, 10, n)
    prediction = target + rng.normal(0, 3, n)
    offsets = rng.integers(0, DAYS * 86400, n)
    scenario.create_model(name="demand", task="regression")
    version = scenario.trained_version()
    send(scenario, version, [
        {"row_id": f"x{i}", "prediction": float(prediction[i]),
         "timestamp": iso(START + timedelta(seconds=int(offsets[i])))} for i in range(n)],
        "production")
    # Step: the targets arrive later, in one label batch recorded now.
    labeled_at = datetime.now(UTC)
    for first in range(0, n, 1000):
        scenario.send_labels(version, [{"row_id": f"x{i}", "target": float(target[i])}
                                       for i in range(first, min(n, first + 1000))],
                             split="production")

    served = timeseries(scenario, start=iso(START), end=iso(START + timedelta(days=DAYS)))
    for day, point in enumerate(served["points"]):
        chosen = (offsets >= day * 86400) & (offsets < (day + 1) * 86400)
        assert point["labeled_count"] == int(chosen.sum())
        assert_close(point["metrics"], regression_expected(target[chosen], prediction[chosen]))
        delays = (labeled_at - START).total_seconds() - offsets[chosen]
        served_delays = point["label_delay_seconds"]
        assert served_delays["p50"] == pytest.approx(np.percentile(delays, 50), abs=5.0)
        assert served_delays["max"] == pytest.approx(delays.max(), abs=5.0)
        assert served_delays["p50"] <= served_delays["p90"] <= served_delays["max"]


def test_late_labels_and_corrections_restate_only_their_buckets_and_as_of_keeps_the_past(
        scenario: Scenario) -> None:
    labels = ["stay", "churn"]
    rng = np.random.default_rng(17)
    n = 1000
    offsets = rng.integers(0, 10 * 86400, n)
    truth = rng.integers(0, 2, n)
    scores = rng.random(n).round(3)
    predicted = (scores >= 0.5).astype(int)
    labeled = offsets >= 4 * 86400  # the first four days wait for their labels
    scenario.create_model(name="late", task="binary_classification", labels=labels)
    version = scenario.trained_version()

    def record(i: int, offset: int, score: float) -> dict[str, Any]:
        return {"row_id": f"r{i}", "predicted_label": labels[int(score >= 0.5)], "score": score,
                "timestamp": iso(START + timedelta(seconds=offset)),
                **({"true_label": labels[truth[i]]} if labeled[i] else {})}

    send(scenario, version, [record(i, int(offsets[i]), float(scores[i])) for i in range(n)],
         "production")
    window = {"start": iso(START), "end": iso(START + timedelta(days=10))}
    before = timeseries(scenario, **window)
    known_then = datetime.now(UTC)
    assert [p["labeled_count"] for p in before["points"][:4]] == [0, 0, 0, 0]

    # Step: labels for day 2 arrive; one day-5 row is corrected and moved to day 7.
    day2 = [i for i in range(n) if 2 * 86400 <= offsets[i] < 3 * 86400]
    scenario.send_labels(version, [{"row_id": f"r{i}", "true_label": labels[truth[i]]}
                                   for i in day2], split="production")
    moved = next(i for i in range(n) if 5 * 86400 <= offsets[i] < 6 * 86400)
    offsets[moved], scores[moved] = 7 * 86400 + 60, 1.0 - scores[moved]
    predicted[moved] = int(scores[moved] >= 0.5)
    scenario.send_predictions(version, [record(moved, int(offsets[moved]),
                                               float(scores[moved]))], split="production")
    labeled[day2] = True
    after = timeseries(scenario, **window)

    changed = [day for day in range(10) if before["points"][day] != after["points"][day]]
    assert changed == [2, 5, 7]
    for day, point in enumerate(after["points"]):
        chosen = (offsets >= day * 86400) & (offsets < (day + 1) * 86400)
        assert point["sample_count"] == int(chosen.sum())
        if (chosen & labeled).any():
            assert_close(point["metrics"], binary_expected(
                truth[chosen & labeled], predicted[chosen & labeled],
                scores[chosen & labeled]))
        else:
            assert point["metrics"] is None
    assert after["points"][2]["label_delay_seconds"] is not None
    assert before["points"][2]["label_delay_seconds"] is None

    # Step: as of the moment before the late data, the answer is what was known then.
    past = timeseries(scenario, **window, as_of=known_then.isoformat())
    assert past["points"] == before["points"]
    # Step: a rebuild from the log gives the same buckets as the ones restated live.
    assert scenario.container.engine.check_drift("performance") == []


def test_compare_uses_only_rows_both_versions_predicted_with_ground_truth(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    # PostgreSQL reads these few rows in two halves, as it reads a large comparison's: the
    # candidate's middle row (r01500) is a shared labeled one, so an edge lost would show.
    monkeypatch.setattr(champion, "SPLIT_FROM_ROWS", 2)
    labels = ["stay", "churn"]
    rng = np.random.default_rng(23)
    n = 2500
    truth = rng.integers(0, 2, n)
    scores = {v: np.clip(truth * skill + rng.random(n) * (1 - skill), 0, 1).round(4)
              for v, skill in (("v1", 0.2), ("v2", 0.35))}
    scenario.create_model(name="duel", task="binary_classification", labels=labels)
    scenario.trained_version("v1")
    scenario.trained_version("v2")
    assert scenario.post("/versions/v1/promote", {}).status_code == 200
    rows = {"v1": range(0, 2000), "v2": range(500, n)}
    for version, ids in rows.items():
        send(scenario, version, [
            {"row_id": f"r{i:05d}", "predicted_label": labels[int(scores[version][i] >= 0.5)],
             "score": float(scores[version][i]),
             **({"true_label": labels[truth[i]]} if version == "v1" and i < 1500 else {})}
            for i in ids], "production")
    # Step: the later rows get their truth through the challenger's labels.
    scenario.send_labels("v2", [{"row_id": f"r{i:05d}", "true_label": labels[truth[i]]}
                                for i in range(1500, n)], split="production")
    scenario.catch_up()

    answer = scenario.get("/performance/compare", candidate="v2")
    assert answer.status_code == 200, answer.text
    served = answer.json()
    shared = np.arange(500, 2000)
    assert served["shared_rows"] == len(shared)
    assert served["baseline"]["version_id"] == "v1"
    expected = {}
    for version in ("v1", "v2"):
        s = scores[version][shared]
        expected[version] = binary_expected(truth[shared], (s >= 0.5).astype(int), s)
        side = "baseline" if version == "v1" else "candidate"
        assert_close(served[side]["metrics"], expected[version])
    for name, value in served["delta"].items():
        assert value == pytest.approx(expected["v2"][name] - expected["v1"][name],  # type: ignore[operator]
                                      abs=TOLERANCE)
    right = {v: ((scores[v][shared] >= 0.5).astype(int) == truth[shared]) for v in scores}
    b = int((right["v1"] & ~right["v2"]).sum())
    c = int((~right["v1"] & right["v2"]).sum())
    test = served["tests"]["accuracy"]
    assert test["method"] == "mcnemar_exact"
    assert test["p_value"] == pytest.approx(stats.binomtest(min(b, c), b + c, 0.5).pvalue,
                                            abs=TOLERANCE)

    # Step: a window by row time with no shared labeled rows is 422; an unknown version 404.
    nothing = scenario.get("/performance/compare", candidate="v2", dataset_split="test")
    assert nothing.status_code == 422
    unknown = scenario.get("/performance/compare", candidate="v9")
    assert unknown.status_code == 404
    # ... and a version compared with itself, named or promoted, is 400 naming the baseline
    for itself in ({"candidate": "v2", "baseline": "v2"}, {"candidate": "v1"}):
        refused = scenario.get("/performance/compare", **itself)
        assert refused.status_code == 400, refused.text
        assert refused.json()["extra"] == {"field": "baseline"}


def test_compare_splits_a_large_comparison_at_a_row_id_from_planner_statistics(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    if scenario.container.database.dialect != "postgresql":
        pytest.skip("the halves and the planner's histogram are PostgreSQL's")
    monkeypatch.setattr(champion, "SPLIT_FROM_ROWS", 2)
    labels = ["stay", "churn"]
    rng = np.random.default_rng(31)
    n = 3000
    truth = rng.integers(0, 2, n)
    scenario.create_model(name="split", task="binary_classification", labels=labels)
    for version in ("v1", "v2"):
        scenario.trained_version(version)
        send(scenario, version, [
            {"row_id": f"s{i:05d}", "predicted_label": labels[int(rng.random() < 0.6)],
             "score": round(float(rng.random()), 3), "true_label": labels[truth[i]]}
            for i in range(n)], "production")
    scenario.catch_up()
    with scenario.container.database.transaction() as tx:
        tx.execute("ANALYZE perf_rows_g1")
    with scenario.container.database.read() as tx:
        candidate = series_id_of(tx, scenario.model_id, "v2", "production")
        middle = champion._middle_from_statistics(tx, candidate)
    assert middle is not None and "s00500" < middle < "s02500"  # near the middle, not an edge
    by_statistics = scenario.get("/performance/compare", baseline="v1", candidate="v2").json()

    # Step: the same answer with the middle stepped to through the index, and read whole.
    monkeypatch.setattr(champion, "MIN_BOUNDS_INSIDE", 10_000)
    by_index = scenario.get("/performance/compare", baseline="v1", candidate="v2").json()
    monkeypatch.setattr(champion, "SPLIT_FROM_ROWS", 10 * n)
    whole = scenario.get("/performance/compare", baseline="v1", candidate="v2").json()
    assert by_statistics["shared_rows"] == n
    assert by_statistics["tests"] == by_index["tests"] == whole["tests"]
    for side in ("baseline", "candidate"):
        assert_close(by_statistics[side]["metrics"], whole[side]["metrics"])
        assert_close(by_index[side]["metrics"], whole[side]["metrics"])


def test_settle_brings_the_row_statistics_a_comparison_splits_by_up_to_date(
        scenario: Scenario) -> None:
    """Rows projected after the statistics' last refresh enter the row-id histogram at
    settle, so a comparison right after a catch-up splits its candidate near the middle."""
    if scenario.container.database.dialect != "postgresql":
        pytest.skip("the planner's histogram is PostgreSQL's")
    labels = ["stay", "churn"]
    scenario.create_model(name="fresh", task="binary_classification", labels=labels)
    for version, first in (("v1", 0), ("v2", 1500)):
        scenario.trained_version(version)
        send(scenario, version, [
            {"row_id": f"s{i:05d}", "predicted_label": labels[i % 2], "score": 0.5,
             "true_label": labels[(i // 3) % 2]} for i in range(first, 3000)], "production")
    scenario.catch_up()
    # The server counts a table's changes a while after they commit (within ten seconds);
    # a settle can only see them counted.
    wait_for_counted_inserts(scenario, "perf_rows_g1", 4500)
    performance = PerformanceProjection()
    with scenario.container.database.transaction() as tx:
        performance.settle(tx, Tables(performance.tables, 1))
    with scenario.container.database.read() as tx:
        candidate = series_id_of(tx, scenario.model_id, "v2", "production")
        middle = champion._middle_from_statistics(tx, candidate)
    assert middle is not None and "s01900" < middle < "s02600"


def wait_for_counted_inserts(scenario: Scenario, table: str, rows: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        with scenario.container.database.read() as tx:
            counted = tx.value("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = ?",
                               (table,))
        if counted >= rows:
            return
        assert time.monotonic() < deadline, f"{table}: {counted} inserts counted, not {rows}"
        time.sleep(0.2)


def test_compare_binary_versions_that_send_probabilities_instead_of_scores(
        scenario: Scenario) -> None:
    labels = ["stay", "churn"]
    rng = np.random.default_rng(29)
    n = 1200
    truth = rng.integers(0, 2, n)
    churn = {v: np.clip(truth * skill + rng.random(n) * (1 - skill), 0.01, 0.99).round(4)
             for v, skill in (("v1", 0.25), ("v2", 0.4))}
    scenario.create_model(name="by-probability", task="binary_classification", labels=labels)
    scenario.trained_version("v1")
    scenario.trained_version("v2")
    for version, p in churn.items():
        send(scenario, version, [
            {"row_id": f"p{i:05d}", "predicted_label": labels[int(p[i] >= 0.5)],
             "probabilities": {"churn": float(p[i]), "stay": float(1 - p[i])},
             "true_label": labels[truth[i]]} for i in range(n)], "production")
    scenario.catch_up()

    answer = scenario.get("/performance/compare", baseline="v1", candidate="v2")
    assert answer.status_code == 200, answer.text
    served = answer.json()
    assert served["shared_rows"] == n
    for version, side in (("v1", "baseline"), ("v2", "candidate")):
        p = churn[version]
        expected = binary_expected(truth, (p >= 0.5).astype(int), p)
        assert expected["log_loss"] is not None and expected["roc_auc"] is not None
        assert_close(served[side]["metrics"], expected)


def test_compare_regression_versions_with_wilcoxon_on_absolute_errors(
        scenario: Scenario) -> None:
    rng = np.random.default_rng(29)
    n = 600
    target = rng.normal(100, 20, n)
    predictions = {"v1": target + rng.normal(0, 6, n), "v2": target + rng.normal(0.5, 5, n)}
    scenario.create_model(name="price", task="regression")
    for version in predictions:
        scenario.trained_version(version)
        send(scenario, version, [
            {"row_id": f"p{i}", "prediction": float(predictions[version][i]),
             "target": float(target[i])} for i in range(n)], "production")
    scenario.catch_up()

    served = scenario.get("/performance/compare", baseline="v1", candidate="v2").json()
    assert served["shared_rows"] == n
    for version, side in (("v1", "baseline"), ("v2", "candidate")):
        assert_close(served[side]["metrics"], regression_expected(target, predictions[version]))
    errors = {v: np.abs(target - p) for v, p in predictions.items()}
    assert served["tests"]["absolute_error"]["p_value"] == pytest.approx(
        stats.wilcoxon(errors["v1"], errors["v2"]).pvalue, abs=TOLERANCE)


def test_a_window_given_only_its_start_runs_to_the_current_bucket(
        shared: Scenario, binary: BinaryTraffic) -> None:
    now = datetime.now(UTC)
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    served = timeseries(shared, start=iso(today - timedelta(days=3)))
    assert [p["start"] for p in served["points"]] == [
        iso(today - timedelta(days=d)) for d in (3, 2, 1, 0)]


def test_stored_tag_segments_follow_late_labels_and_match_a_window_over_every_row(
        scenario: Scenario, own_binary: BinaryTraffic) -> None:
    unlabeled = [i for i in range(own_binary.n) if not own_binary.labeled[i]]
    scenario.send_labels("v1", [{"row_id": f"r{i}", "true_label": ["stay", "churn"][
        own_binary.truth[i]]} for i in unlabeled], split="production")
    scenario.catch_up()
    own_binary.labeled[:] = True

    stored = scenario.get("/performance/segments", by="region").json()["segments"]
    everything = scenario.get("/performance/segments", by="region", start="2000-01-01",
                              end="2100-01-01").json()["segments"]
    assert [s["value"] for s in stored] == [s["value"] for s in everything]
    for segment, windowed in zip(stored, everything, strict=True):
        assert segment["labeled_count"] == segment["sample_count"] == windowed["sample_count"]
        assert_close(segment["metrics"], windowed["metrics"])
        assert_close(segment["metrics"],
                     own_binary.expected(own_binary.regions == segment["value"]))  # type: ignore[arg-type]
    assert scenario.container.engine.check_drift("performance") == []


def test_questions_that_read_rows_read_a_bounded_number_of_them(
        scenario: Scenario, own_binary: BinaryTraffic, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.projections.performance import windows

    monkeypatch.setattr(windows, "MAX_WINDOW_ROWS", 1_000)
    whole = scenario.get("/performance/segments", by="age", bins=4)
    assert whole.status_code == 422, whole.text
    assert whole.json()["extra"] == {"rows": own_binary.n, "limit": 1_000}
    assert "start" in whole.json()["detail"]
    tagged = scenario.get("/performance/timeseries", start=iso(START),
                          end=iso(START + timedelta(days=DAYS)), **{"tag.region": "eu"})
    assert tagged.status_code == 422
    scenario.trained_version("v2")
    scenario.send_predictions("v2", own_binary.records(["stay", "churn"])[:1500],
                              split="production")
    scenario.catch_up()
    compared = scenario.get("/performance/compare", baseline="v1", candidate="v2")
    assert compared.status_code == 422 and compared.json()["extra"]["limit"] == 1_000

    # Step: a narrower window reads few enough rows.
    week = scenario.get("/performance/segments", by="age", bins=4, start=iso(START),
                        end=iso(START + timedelta(days=7)), version_id="v1")
    assert week.status_code == 200, week.text
    chosen = own_binary.in_window(START, START + timedelta(days=7))
    assert sum(s["sample_count"] for s in week.json()["segments"]) == int(chosen.sum())


def test_a_model_with_more_labels_reads_fewer_rows_for_one_answer(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.projections.performance import windows

    labels = ["cat", "dog", "owl"]
    scenario.create_model(name="animals", task="multiclass_classification", labels=labels)
    records = [{"row_id": f"a{i:04d}", "predicted_label": labels[i % 3],
                "true_label": labels[i % 2], "tags": {"region": "eu" if i % 4 else "us"},
                "timestamp": iso(START + timedelta(hours=i))} for i in range(900)]
    for version in ("v1", "v2"):
        send(scenario, scenario.trained_version(version), records, "production")
    scenario.catch_up()
    monkeypatch.setattr(windows, "MAX_WINDOW_CELLS", 1_500)  # 500 rows of 3 probabilities

    segments = scenario.get("/performance/segments", by="region", start=iso(START),
                            end=iso(START + timedelta(hours=900)), version_id="v1")
    assert segments.status_code == 422, segments.text
    assert segments.json()["extra"] == {"rows": 900, "limit": 500}
    assert "3 probabilities each" in segments.json()["detail"]
    compared = scenario.get("/performance/compare", baseline="v1", candidate="v2")
    assert compared.status_code == 422, compared.text
    assert compared.json()["extra"] == {"rows": 900, "limit": 250}  # both versions' vectors

    # Step: a window of fewer rows is answered.
    narrow = scenario.get("/performance/compare", baseline="v1", candidate="v2",
                          start=iso(START), end=iso(START + timedelta(hours=200)))
    assert narrow.status_code == 200 and narrow.json()["shared_rows"] == 200


def test_a_comparisons_label_codes_fit_their_packed_fields() -> None:
    # every code a model may hold, plus one (0 stands for none), fits a field of its own
    assert MAX_LABELS_PER_MODEL + 1 <= champion.CODE_MASK


def test_a_slice_filters_the_summary_the_confusion_matrix_and_the_segments(
        shared: Scenario, binary: BinaryTraffic) -> None:
    """The dashboard's slice changes every number on the page: each answer it reads takes
    the same `tag.` filter and measures only the rows carrying those tags."""
    shared.catch_up()
    eu = binary.regions == "eu"
    sliced = {"dataset_split": "production", "tag.region": "eu"}

    summary = shared.get("/performance/summary", **sliced)
    assert summary.status_code == 200, summary.text
    assert summary.json()["sample_count"] == int(eu.sum())
    assert summary.json()["labeled_count"] == int((eu & binary.labeled).sum())
    assert_close(summary.json()["metrics"], binary.expected(eu))  # type: ignore[arg-type]
    whole = shared.get("/performance/summary", dataset_split="production").json()
    assert whole["sample_count"] == binary.n

    matrix = shared.get("/performance/confusion-matrix", **sliced).json()
    chosen = eu & binary.labeled
    expected = [[int(((binary.truth == t) & (binary.predicted == p) & chosen).sum())
                 for p in (0, 1)] for t in (0, 1)]
    assert matrix["labels"] == ["stay", "churn"] and matrix["matrix"] == expected

    plans = shared.get("/performance/segments", by="plan", **{"tag.region": "eu"}).json()
    assert plans["tags"] == {"region": "eu"}
    for segment in plans["segments"]:
        part = eu & (binary.plans == segment["value"])
        assert segment["sample_count"] == int(part.sum())
        assert_close(segment["metrics"], binary.expected(part))  # type: ignore[arg-type]
    ages = shared.get("/performance/segments", by="age", bins=3, **{"tag.region": "eu"}).json()
    assert sum(s["sample_count"] for s in ages["segments"]) == int(eu.sum())

    wrong = shared.get("/performance/misclassification-errors", limit=500, **sliced).json()
    misclassified = eu & binary.labeled & (binary.truth != binary.predicted)
    assert wrong["total_misclassified"] == int(misclassified.sum())
    assert {binary.regions[int(r["row_id"][1:])] for r in wrong["records"]} == {"eu"}

    nobody = shared.get("/performance/summary", dataset_split="production",
                        **{"tag.region": "mars"})
    assert nobody.status_code == 422 and "region=mars" in nobody.json()["detail"]
    both = shared.get("/performance/summary", as_of=iso(START), **sliced)
    assert both.status_code == 400 and both.json()["extra"] == {"field": "as_of"}
