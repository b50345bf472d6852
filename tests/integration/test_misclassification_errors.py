"""Misclassification errors: filters, bounds, uniform rotating samples, sanitized features."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from perfledger.api.settings import Settings
from perfledger.projections.performance import misclassifications
from tests.conftest import bearer, loaded_once, served_again
from tests.scenario import Scenario

LABELS = ["cat", "dog", "fox"]
# 99.9th percentile of chi-square with 39 degrees of freedom: a fair sampler fails 1 in 1000.
CHI_SQUARE_39_P999 = 72.05


def load_animals(scenario: Scenario) -> Scenario:
    """60 rows: 20 right, 40 wrong, confidence rising with the row number."""
    scenario.create_model(name="zoo", task="multiclass_classification", labels=LABELS,
                          inputs=["weight", "ears"])
    scenario.trained_version()
    records = []
    for i in range(60):
        truth = LABELS[i % 3]
        predicted = truth if i < 20 else LABELS[(i + 1) % 3]
        p = 0.34 + 0.6 * i / 60
        rest = (1 - p) / 2
        records.append({
            "row_id": f"r{i:02d}", "predicted_label": predicted, "true_label": truth,
            "probabilities": {label: (p if label == predicted else rest) for label in LABELS},
            "features": {"weight": i, "ears": 2, "owner_email": f"x{i}@example.com"}})
    scenario.send_predictions("v1", records)
    scenario.catch_up()
    return scenario


@pytest.fixture
def own_animals(scenario: Scenario) -> Scenario:
    """The animals in this test's own `scenario` (its organization is `org`'s)."""
    return load_animals(scenario)


@pytest.fixture(scope="module")
def loaded_animals(module_settings: Settings) -> Iterator[Scenario]:
    with loaded_once(module_settings, lambda *parts: load_animals(Scenario(*parts))) as loaded:
        yield loaded


@pytest.fixture
def animals(loaded_animals: Scenario) -> Iterator[Scenario]:
    """The animals, loaded once per module and backend and shared by the tests that only
    read them (no query changes them)."""
    with served_again(loaded_animals) as shared:
        yield shared


def errors(s: Scenario, **params: Any) -> Any:
    return s.get("/performance/misclassification-errors", **params)


def test_the_pool_is_the_wrong_rows_and_the_answer_has_the_seed_shape(animals: Scenario
                                                                      ) -> None:
    body = errors(animals, limit=500).json()
    assert body["total_misclassified"] == 40 and body["returned"] == 40
    assert {r["row_id"] for r in body["records"]} == {f"r{i:02d}" for i in range(20, 60)}
    record = body["records"][0]
    assert set(record) == {"row_id", "features", "true_label", "predicted_label", "confidence"}
    assert record["true_label"] != record["predicted_label"]
    assert set(body) == {"model_id", "version_id", "dataset_split", "total_misclassified",
                         "returned", "records"}


def test_features_keep_only_the_declared_inputs(animals: Scenario) -> None:
    for record in errors(animals).json()["records"]:
        assert set(record["features"]) == {"weight", "ears"}


@pytest.mark.parametrize(("params", "expected"), [
    ({"true_label": "cat"}, {i for i in range(20, 60) if i % 3 == 0}),
    ({"predicted_label": "fox"}, {i for i in range(20, 60) if (i + 1) % 3 == 2}),
    ({"true_label": "dog", "predicted_label": "fox"}, {i for i in range(20, 60) if i % 3 == 1}),
    ({"min_confidence": 0.8}, {i for i in range(20, 60) if 0.34 + 0.6 * i / 60 >= 0.8}),
])
def test_filters_narrow_the_pool_and_its_count(animals: Scenario, params: dict[str, Any],
                                               expected: set[int]) -> None:
    body = errors(animals, limit=500, **params).json()
    assert body["total_misclassified"] == len(expected)
    assert {int(r["row_id"][1:]) for r in body["records"]} == expected


def test_limit_caps_the_sample_but_not_the_count(animals: Scenario) -> None:
    body = errors(animals, limit=7).json()
    assert body["returned"] == 7 and body["total_misclassified"] == 40


@pytest.mark.parametrize("params", [
    {"limit": 501}, {"limit": 0}, {"min_confidence": 1.5}, {"min_confidence": -0.1},
    {"true_label": "wolf"}, {"predicted_label": "wolf"}, {"dataset_split": "holdout"},
])
def test_out_of_bounds_parameters_are_400(animals: Scenario, params: dict[str, Any]) -> None:
    answer = errors(animals, **params)
    assert answer.status_code == 400
    assert next(iter(params)) in answer.text or "wolf" in answer.text


def test_samples_are_uniform_over_the_pool_and_rotate(animals: Scenario) -> None:
    hits: Counter[str] = Counter()
    samples = set()
    calls, limit = 800, 5
    for _ in range(calls):
        rows = [r["row_id"] for r in errors(animals, limit=limit).json()["records"]]
        assert len(set(rows)) == limit
        hits.update(rows)
        samples.add(tuple(sorted(rows)))
    expected = calls * limit / 40
    chi_square = sum((hits[f"r{i:02d}"] - expected) ** 2 / expected for i in range(20, 60))
    assert chi_square < CHI_SQUARE_39_P999
    assert len(samples) > calls * 0.9


def test_regression_models_are_422(scenario: Scenario) -> None:
    scenario.create_model(name="price", task="regression")
    scenario.trained_version()
    assert errors(scenario).status_code == 422


def test_both_dataset_read_and_model_read_are_needed(own_animals: Scenario, org: str) -> None:
    url = f"/api/v1/models/{own_animals.model_id}/performance/misclassification-errors"
    for scopes in (("model:read",), ("dataset:read",)):
        assert own_animals.client.get(url, headers=bearer(org, *scopes)).status_code == 403
    assert own_animals.client.get(url, headers=bearer(org, "model:read", "dataset:read")
                              ).status_code == 200


def test_the_gate_check_reports_each_metric_against_its_threshold(animals: Scenario) -> None:
    verdict = animals.get("/performance/gate", **{"min.accuracy": 0.5, "max.log_loss": 5})
    body = verdict.json()
    assert verdict.status_code == 200 and body["passed"] is False
    checks = {c["metric"]: c for c in body["checks"]}
    assert checks["accuracy"]["value"] == pytest.approx(20 / 60)
    assert checks["accuracy"]["passed"] is False and checks["log_loss"]["passed"] is True
    assert animals.get("/performance/gate", **{"min.accuracy": 0.3}).json()["passed"] is True


@pytest.mark.parametrize("params", [{}, {"min.vibes": 1}, {"min.accuracy": "high"}])
def test_a_malformed_gate_check_is_400(animals: Scenario, params: dict[str, Any]) -> None:
    assert animals.get("/performance/gate", **params).status_code == 400


def test_large_pools_are_sampled_nearly_uniformly_through_key_windows(
        animals: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    # A window of half the pool: far coarser than the real one, so the bias shows, bounded.
    monkeypatch.setattr(misclassifications, "EXACT_POOL_LIMIT", 10)
    monkeypatch.setattr(misclassifications, "WINDOW_ROWS", 20)
    hits: Counter[str] = Counter()
    calls, limit = 800, 5
    for _ in range(calls):
        body = errors(animals, limit=limit).json()
        rows = [r["row_id"] for r in body["records"]]
        assert len(set(rows)) == limit and body["total_misclassified"] == 40
        hits.update(rows)
    expected = calls * limit / 40
    assert set(hits) == {f"r{i:02d}" for i in range(20, 60)}
    assert all(0.4 * expected < hits[row] < 1.6 * expected for row in hits)
