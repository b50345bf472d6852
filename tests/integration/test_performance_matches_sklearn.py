"""Summaries served over HTTP equal scikit-learn's metrics on the same rows, on both backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

from tests.closeness import (
    assert_close,
    binary_expected,
    multiclass_expected,
)
from tests.scenario import Scenario


def send_in_batches(scenario: Scenario, version: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), 700):
        scenario.send_predictions(version, records[start : start + 700])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_summary_with_scores_matches_sklearn(scenario: Scenario, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 1500
    truth = rng.integers(0, 2, n)
    scores = np.clip(truth * 0.3 + rng.random(n) * 0.7, 0, 1).round(3)  # ties on purpose
    predicted = (scores >= 0.5).astype(int)
    labels = ["stay", "churn"]
    scenario.create_model(name="churn", task="binary_classification", labels=labels)
    version = scenario.trained_version()
    send_in_batches(
        scenario,
        version,
        [
            {
                "row_id": f"r{i}",
                "predicted_label": labels[predicted[i]],
                "score": float(scores[i]),
                "true_label": labels[truth[i]],
            }
            for i in range(n)
        ],
    )

    summary = scenario.summary()

    assert summary["task_type"] == "classification"
    assert summary["sample_count"] == n and summary["labeled_count"] == n
    assert_close(summary["metrics"], binary_expected(truth, predicted, scores))


def test_binary_summary_with_probabilities_and_declared_positive_label(scenario: Scenario) -> None:
    rng = np.random.default_rng(7)
    n = 900
    truth = rng.integers(0, 2, n)
    p_yes = rng.beta(2 + truth * 3, 3, n)
    predicted = (p_yes > 0.5).astype(int)
    labels = ["yes", "no"]  # the positive label is declared, not the second one
    scenario.create_model(
        name="fraud", task="binary_classification", labels=labels, positive_label="yes"
    )
    version = scenario.trained_version()
    send_in_batches(
        scenario,
        version,
        [
            {
                "row_id": f"r{i}",
                "predicted_label": "yes" if predicted[i] else "no",
                "probabilities": {"yes": float(p_yes[i]), "no": float(1 - p_yes[i])},
                "true_label": "yes" if truth[i] else "no",
            }
            for i in range(n)
        ],
    )

    summary = scenario.summary()

    # truth and predictions say whether each row is "yes", the positive label
    assert_close(summary["metrics"], binary_expected(truth, predicted, p_yes))


@pytest.mark.parametrize(("seed", "classes"), [(4, 3), (5, 4), (6, 6)])
def test_multiclass_summary_matches_sklearn_macro_averages(
    scenario: Scenario, seed: int, classes: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 1200
    labels = [f"class-{k}" for k in range(classes)]
    truth = rng.integers(0, classes, n)
    proba = rng.dirichlet(np.ones(classes), n)
    proba[np.arange(n), truth] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    predicted = proba.argmax(axis=1)
    scenario.create_model(name="intent", task="multiclass_classification", labels=labels)
    version = scenario.trained_version()
    send_in_batches(
        scenario,
        version,
        [
            {
                "row_id": f"r{i}",
                "predicted_label": labels[predicted[i]],
                "probabilities": {label: float(proba[i, k]) for k, label in enumerate(labels)},
                "true_label": labels[truth[i]],
            }
            for i in range(n)
        ],
    )

    summary = scenario.summary()

    assert_close(summary["metrics"], multiclass_expected(truth, predicted, proba, classes))
    matrix = scenario.get("/performance/confusion-matrix").json()
    assert matrix["labels"] == labels
    assert (
        matrix["matrix"]
        == sk.confusion_matrix(truth, predicted, labels=list(range(classes))).tolist()
    )


@pytest.mark.parametrize(("seed", "offset"), [(8, 0.0), (9, 1e6)])
def test_regression_summary_matches_sklearn(scenario: Scenario, seed: int, offset: float) -> None:
    rng = np.random.default_rng(seed)
    n = 1000
    target = offset + rng.normal(50, 20, n)
    prediction = target + rng.normal(0, 5, n)
    scenario.create_model(name="price", task="regression")
    version = scenario.trained_version()
    send_in_batches(
        scenario,
        version,
        [
            {"row_id": f"r{i}", "prediction": float(prediction[i]), "target": float(target[i])}
            for i in range(n)
        ],
    )

    summary = scenario.summary()

    mse = sk.mean_squared_error(target, prediction)
    assert summary["task_type"] == "regression"
    assert_close(
        summary["metrics"],
        {
            "mse": mse,
            "rmse": float(np.sqrt(mse)),
            "mae": sk.mean_absolute_error(target, prediction),
            "mape": sk.mean_absolute_percentage_error(target, prediction),
            "r_squared": sk.r2_score(target, prediction),
        },
    )


def test_metrics_undefined_on_the_data_are_null(scenario: Scenario) -> None:
    scenario.create_model(name="one-class", task="binary_classification", labels=["a", "b"])
    version = scenario.trained_version()
    scenario.send_predictions(
        version,
        [
            {"row_id": "1", "predicted_label": "b", "true_label": "b"},
            {"row_id": "2", "predicted_label": "a", "true_label": "b"},
        ],
    )

    metrics = scenario.summary()["metrics"]

    assert metrics["roc_auc"] is None and metrics["log_loss"] is None
    assert metrics["accuracy"] == 0.5
