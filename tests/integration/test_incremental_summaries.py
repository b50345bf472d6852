"""Summaries, buckets and segments kept batch by batch stay exact: after thousands of random
operations (new rows, replaced rows moving between hours and tags, late labels, relabels,
labels before their predictions), every summary metric equals scikit-learn's on the final
rows, a full recompute finds nothing to change, and the drift check (a rebuild, and every
summary, hour, day and week bucket and tag segment against the rows) reports nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

from perfledger.projections.database import Tx
from perfledger.projections.json import loads
from perfledger.projections.performance import live
from perfledger.projections.performance.recompute import recompute_cached
from tests.closeness import (
    assert_close,
    binary_expected,
    multiclass_expected,
    regression_expected,
)
from tests.scenario import Scenario

ROWS = 300  # row ids the operations pick from: most operations touch a row seen before
BATCHES = 150
START = datetime(2026, 9, 6, 20, tzinfo=UTC)  # a Sunday evening: rows span two days, weeks
ROW_HOURS = 24  # rows within a day: no batch spans the hours that leave buckets to a settle
PROBABILITIES = [(0.5, 0.3, 0.2), (0.6, 0.2, 0.2), (0.25, 0.25, 0.5), (0.1, 0.1, 0.8),
                 (0.2, 0.5, 0.3)]


@dataclass
class Ledger:
    """What the service should hold once every operation is applied: the rows' latest
    predictions, their labels, and labels waiting for their rows."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)
    waiting: dict[str, Any] = field(default_factory=dict)
    operations: int = 0

    def predict(self, row_id: str, prediction: dict[str, Any], truth: Any) -> None:
        if row_id not in self.rows and row_id in self.waiting:
            waiting = self.waiting.pop(row_id)
            truth = waiting if truth is None else truth
        self.rows[row_id] = prediction
        if truth is not None:
            self.truth[row_id] = truth
        self.operations += 1

    def label(self, row_id: str, truth: Any) -> None:
        if row_id in self.rows:
            self.truth[row_id] = truth
        else:
            self.waiting[row_id] = truth
        self.operations += 1

    def labeled(self) -> list[str]:
        return sorted(row_id for row_id in self.rows if row_id in self.truth)


def drive(scenario: Scenario, version: str, ledger: Ledger, seed: int,
          prediction: Any, truth: Any, label_field: str) -> None:
    """Random batches of predictions (some carrying their label) and of labels."""
    rng = random.Random(seed)
    for batch in range(BATCHES):
        row_ids = rng.sample([f"r{i}" for i in range(ROWS)], rng.randint(5, 40))
        if rng.random() < 0.6:
            records = []
            for row_id in row_ids:
                made = prediction(rng)
                label = truth(rng) if rng.random() < 0.3 else None
                ledger.predict(row_id, made["expected"], label)
                moment = START + timedelta(minutes=rng.randrange(ROW_HOURS * 60))
                tags = {"region": rng.choice(["eu", "us", "apac"])} if rng.random() < 0.8 else {}
                records.append({"row_id": row_id, **made["record"],
                                "timestamp": moment.isoformat(), "tags": tags,
                                **({} if label is None else {label_field: label})})
            scenario.send_predictions(version, records, split="production")
        else:
            labels = [{"row_id": row_id, label_field: truth(rng)} for row_id in row_ids]
            for entry in labels:
                ledger.label(entry["row_id"], entry[label_field])
            scenario.send_labels(version, labels, split="production")
        if batch % 10 == 9:
            scenario.catch_up()


def assert_recompute_changes_nothing(scenario: Scenario) -> None:
    """The drift check first (a recompute rewrites what it would compare), then a recompute."""
    drift = scenario.container.engine.check_drift("performance")
    assert drift == [], "\n".join(d[:300] for d in drift)
    found = recompute_cached(scenario.container.engine, scenario.model_id, None, None)
    assert found["series"] and found["drifted"] == 0, found


def test_binary_summary_stays_exact_through_random_operations(scenario: Scenario) -> None:
    labels = ["stay", "churn"]
    scenario.create_model(name="churn", task="binary_classification", labels=labels)
    version = scenario.trained_version()
    ledger = Ledger()

    def prediction(rng: random.Random) -> dict[str, Any]:
        score = round(rng.random(), 2)  # ties on purpose
        predicted = labels[int(score >= 0.5)]
        return {"record": {"predicted_label": predicted, "score": score},
                "expected": {"predicted": predicted, "score": score}}

    drive(scenario, version, ledger, 11, prediction, lambda rng: rng.choice(labels),
          "true_label")
    served = scenario.summary(version_id=version, dataset_split="production")

    ids = ledger.labeled()
    truth = np.array([labels.index(ledger.truth[i]) for i in ids])
    predicted = np.array([labels.index(ledger.rows[i]["predicted"]) for i in ids])
    scores = np.array([ledger.rows[i]["score"] for i in ids])
    assert ledger.operations > 3000 and len(set(truth.tolist())) == 2
    assert served["labeled_count"] == len(ids) and served["sample_count"] == len(ledger.rows)
    assert_close(served["metrics"], binary_expected(truth, predicted, scores))
    matrix = scenario.get("/performance/confusion-matrix", version_id=version,
                          dataset_split="production").json()
    assert matrix["matrix"] == sk.confusion_matrix(truth, predicted).tolist()
    assert_recompute_changes_nothing(scenario)


def test_multiclass_summary_stays_exact_through_random_operations(scenario: Scenario) -> None:
    labels = ["cat", "dog", "bird"]
    scenario.create_model(name="animals", task="multiclass_classification", labels=labels)
    version = scenario.trained_version()
    ledger = Ledger()

    def prediction(rng: random.Random) -> dict[str, Any]:
        proba = list(rng.choice(PROBABILITIES))
        rng.shuffle(proba)
        predicted = labels[int(np.argmax(proba))]
        return {"record": {"predicted_label": predicted,
                           "probabilities": dict(zip(labels, proba, strict=True))},
                "expected": {"predicted": predicted, "proba": proba}}

    drive(scenario, version, ledger, 12, prediction, lambda rng: rng.choice(labels),
          "true_label")
    served = scenario.summary(version_id=version, dataset_split="production")

    ids = ledger.labeled()
    truth = np.array([labels.index(ledger.truth[i]) for i in ids])
    predicted = np.array([labels.index(ledger.rows[i]["predicted"]) for i in ids])
    proba = np.array([ledger.rows[i]["proba"] for i in ids])
    assert ledger.operations > 3000
    assert_close(served["metrics"], multiclass_expected(truth, predicted, proba, 3))
    assert_recompute_changes_nothing(scenario)


@pytest.mark.parametrize("scale", [1.0, 1e6])
def test_regression_summary_stays_exact_through_many_replacements(
        scenario: Scenario, scale: float) -> None:
    """Targets far from zero make a running sum of squares lose R² unless it is exact."""
    scenario.create_model(name="price", task="regression")
    version = scenario.trained_version()
    ledger = Ledger()

    def prediction(rng: random.Random) -> dict[str, Any]:
        value = scale + rng.gauss(0, 3)
        return {"record": {"prediction": value}, "expected": {"prediction": value}}

    drive(scenario, version, ledger, 13, prediction, lambda rng: scale + rng.gauss(0, 3),
          "target")
    served = scenario.summary(version_id=version, dataset_split="production")

    ids = ledger.labeled()
    target = np.array([ledger.truth[i] for i in ids])
    predicted = np.array([ledger.rows[i]["prediction"] for i in ids])
    assert ledger.operations > 3000 and len(ids) > 1
    assert_close(served["metrics"], regression_expected(target, predicted))
    assert_recompute_changes_nothing(scenario)


def test_buckets_stay_exact_when_a_backfill_spread_over_weeks_meets_live_batches(
        scenario: Scenario) -> None:
    """A batch spanning more hours than are kept one by one leaves the buckets to a rebuild
    at settle; live batches before and after it keep them exact."""
    labels = ["stay", "churn"]
    scenario.create_model(name="churn", task="binary_classification", labels=labels)
    version = scenario.trained_version()
    rng = random.Random(21)

    def records(first: int, count: int, spread_hours: int) -> list[dict[str, Any]]:
        return [{"row_id": f"r{i}", "predicted_label": rng.choice(labels),
                 "score": round(rng.random(), 2), "true_label": rng.choice(labels),
                 "timestamp": (START + timedelta(hours=rng.randrange(spread_hours))).isoformat()}
                for i in range(first, first + count)]

    scenario.send_predictions(version, records(0, 50, 1), split="production")
    scenario.catch_up()
    scenario.send_predictions(version, records(50, 400, 24 * 20), split="production")
    scenario.send_predictions(version, records(0, 30, 2), split="production")  # replaces
    scenario.catch_up()
    scenario.send_predictions(version, records(450, 30, 1), split="production")
    scenario.send_labels(version, [{"row_id": f"r{i}", "true_label": rng.choice(labels)}
                                   for i in range(40, 90)], split="production")
    scenario.catch_up()

    points = scenario.get("/performance/timeseries", bucket="week",
                          start="2026-08-31T00:00:00Z", end="2026-10-05T00:00:00Z").json()
    assert sum(point["sample_count"] for point in points["points"]) == 480
    assert scenario.container.engine.check_drift("performance") == []


def test_a_series_with_more_scores_than_it_may_hold_is_kept_at_settle(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its share of the worker's memory a series holds no scores: its batches wait for
    a rebuild from its rows at settle, and what it answers then is exact."""
    monkeypatch.setattr(live, "MAX_SCORES_PER_SERIES", 200)
    labels = ["cat", "dog", "bird"]
    scenario.create_model(name="animals", task="multiclass_classification", labels=labels)
    version = scenario.trained_version()
    rng = random.Random(31)
    sent: set[str] = set()
    for batch in range(12):
        records = []
        for i in rng.sample(range(150), 40):
            proba = list(rng.choice(PROBABILITIES))
            rng.shuffle(proba)
            records.append({"row_id": f"r{i}", "predicted_label": labels[int(np.argmax(proba))],
                            "probabilities": dict(zip(labels, proba, strict=True)),
                            "true_label": rng.choice(labels), "tags": {"plan": "pro"},
                            "timestamp": (START + timedelta(hours=batch)).isoformat()})
            sent.add(f"r{i}")
        scenario.send_predictions(version, records, split="production")
        if batch % 4 == 3:
            scenario.catch_up()

    served = scenario.summary(version_id=version, dataset_split="production")
    with scenario.container.database.read() as tx:
        kept = [loads(text) for (text,) in tx.rows("SELECT statistics FROM perf_series")]
    assert kept and all(stored["unranked"] for stored in kept)
    assert served["sample_count"] == len(sent) and served["metrics"]["roc_auc"] is not None
    segments = scenario.get("/performance/segments", by="plan").json()["segments"]
    assert [segment["sample_count"] for segment in segments] == [len(sent)]
    assert_recompute_changes_nothing(scenario)


def test_a_tag_with_more_values_than_are_kept_costs_no_segment_per_value(
        scenario: Scenario) -> None:
    """A tenant sending a new tag value with every row gets no stored segment (nor held
    scores) per value: past 1,000 values the name's segments are read from its rows, folding
    the rarest into __other__; when values leave again the settle keeps them once more."""
    labels = ["stay", "churn"]
    scenario.create_model(name="churn", task="binary_classification", labels=labels)
    version = scenario.trained_version()
    rng = random.Random(41)

    def record(i: int, customer: str) -> dict[str, Any]:
        return {"row_id": f"r{i}", "predicted_label": rng.choice(labels),
                "score": round(rng.random(), 2), "true_label": rng.choice(labels),
                "tags": {"customer": customer, "region": ["eu", "us"][i % 2]},
                "timestamp": (START + timedelta(minutes=i)).isoformat()}

    for first in range(0, 1001, 500):
        scenario.send_predictions(
            version, [record(i, f"c{i}") for i in range(first, min(first + 500, 1001))],
            split="production")
        scenario.catch_up()

    def kept(name: str) -> int:
        with scenario.container.database.read() as tx:
            return int(tx.value("SELECT COUNT(*) FROM perf_segments WHERE name = ?", (name,)))

    assert (kept("customer"), kept("region")) == (0, 2)
    segments = scenario.get("/performance/segments", by="customer", limit=1000).json()
    counts = {segment["value"]: segment["sample_count"] for segment in segments["segments"]}
    assert len(counts) == 1000 and sum(counts.values()) + (
        1 if "__other__" not in counts else 0) == 1001
    assert_recompute_changes_nothing(scenario)

    # two rows move to a customer seen before: 999 values, kept again after the settle
    scenario.send_predictions(version, [record(0, "c5"), record(1, "c5")], split="production")
    scenario.catch_up()
    assert kept("customer") == 999
    segments = scenario.get("/performance/segments", by="customer", limit=1000).json()
    assert {s["value"]: s["sample_count"] for s in segments["segments"]}["c5"] == 3
    assert_recompute_changes_nothing(scenario)


def test_row_ids_past_the_series_last_one_are_new_rows_without_a_lookup(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = ["stay", "churn"]
    scenario.create_model(name="sequence", task="binary_classification", labels=labels)
    version = scenario.trained_version()
    rng = np.random.default_rng(41)
    scores = rng.random(150).round(3)
    truth = rng.integers(0, 2, 150)

    def records(ids: range, flip: bool) -> list[dict[str, Any]]:
        return [{"row_id": f"r{i:04d}", "predicted_label": labels[int(scores[i] >= 0.5) ^ flip],
                 "score": float(scores[i]), "true_label": labels[truth[i]]} for i in ids]

    scenario.send_predictions(version, records(range(100), True), split="production")
    scenario.catch_up()
    probed: list[str] = []
    looked_up = Tx.rows_in

    def spy(tx: Tx, select: str, params: Any, column: str, keys: Any) -> Any:
        if column == "row_id" and "perf_rows" in select:
            probed.extend(keys)
        return looked_up(tx, select, params, column, keys)

    monkeypatch.setattr(Tx, "rows_in", spy)
    # Step: half the batch replaces stored rows (their predictions flipped back), half is new.
    scenario.send_predictions(version, records(range(50, 150), False), split="production")
    scenario.catch_up()

    assert sorted(probed) == [f"r{i:04d}" for i in range(50, 100)]
    served = scenario.summary(version_id=version, dataset_split="production")
    predicted = (scores >= 0.5).astype(int)
    predicted[:50] ^= 1
    assert served["sample_count"] == 150
    assert_close(served["metrics"], binary_expected(truth, predicted, scores))
    assert_recompute_changes_nothing(scenario)
