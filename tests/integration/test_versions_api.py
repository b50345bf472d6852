"""Versions over HTTP: lifecycle answers, promotion, gates and listing."""

from __future__ import annotations

import pytest

from tests.scenario import Scenario


@pytest.fixture
def binary(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    return scenario


def patch_status(s: Scenario, version: str, status: str) -> int:
    answer = s.client.patch(
        f"/api/v1/models/{s.model_id}/versions/{version}",
        json={"status": status},
        headers=s.headers,
    )
    return int(answer.status_code)


def test_version_ids_default_to_ver_and_ten_hex_characters(binary: Scenario) -> None:
    answer = binary.post("/versions", {})
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "draft" and body["position"] > 0
    assert body["version_id"].startswith("ver-") and len(body["version_id"]) == 14


def test_duplicate_version_id_is_409_and_appends_nothing(binary: Scenario) -> None:
    binary.post("/versions", {"version_id": "v1"})
    head = binary.head()
    answer = binary.post("/versions", {"version_id": "v1"})
    assert answer.status_code == 409 and "already exists" in answer.json()["detail"]
    assert binary.head() == head


def test_invalid_transitions_are_409_and_unknown_status_400(binary: Scenario) -> None:
    binary.post("/versions", {"version_id": "v1"})
    head = binary.head()
    assert patch_status(binary, "v1", "trained") == 409
    assert patch_status(binary, "v1", "archived") == 409
    assert patch_status(binary, "v1", "finished") == 400
    assert binary.head() == head
    assert patch_status(binary, "v1", "training") == 200
    assert patch_status(binary, "v1", "failed") == 200
    assert patch_status(binary, "v1", "training") == 409


def test_promotion_answers_the_previous_version_and_lists_one_promoted(binary: Scenario) -> None:
    binary.trained_version("v1")
    binary.trained_version("v2")
    first = binary.post("/versions/v1/promote", {"reason": "launch"}).json()
    second = binary.post("/versions/v2/promote", {}).json()

    assert first["previous_version_id"] is None
    assert second == {
        "promoted_version_id": "v2",
        "previous_version_id": "v1",
        "position": second["position"],
    }
    versions = binary.get("/versions", min_position=second["position"]).json()
    assert [v["version_id"] for v in versions if v["promoted"]] == ["v2"]
    assert binary.get("/versions/v2").json()["promoted_at"] is not None


def test_promoting_an_untrained_version_is_409(binary: Scenario) -> None:
    binary.post("/versions", {"version_id": "v1"})
    answer = binary.post("/versions/v1/promote", {})
    assert answer.status_code == 409 and "only a trained version" in answer.json()["detail"]


def test_summary_defaults_to_the_promoted_version_then_the_latest_trained(binary: Scenario) -> None:
    assert binary.get("/performance/summary").status_code == 422
    binary.trained_version("v1")
    binary.trained_version("v2")
    binary.send_predictions("v1", [{"row_id": "a", "predicted_label": "no", "true_label": "no"}])
    binary.send_predictions("v2", [{"row_id": "a", "predicted_label": "no", "true_label": "yes"}])
    assert binary.summary()["version_id"] == "v2"
    binary.post("/versions/v1/promote", {})
    assert binary.summary()["version_id"] == "v1"


def test_a_version_in_training_has_no_summary(binary: Scenario) -> None:
    binary.post("/versions", {"version_id": "v1"})
    patch_status(binary, "v1", "training")
    answer = binary.get("/performance/summary", version_id="v1")
    assert answer.status_code == 422 and "training" in answer.json()["detail"]


def test_a_gate_blocks_promotion_below_threshold_and_names_the_metric(binary: Scenario) -> None:
    binary.trained_version("v1")
    binary.send_predictions(
        "v1",
        [
            {"row_id": "a", "predicted_label": "yes", "true_label": "yes"},
            {"row_id": "b", "predicted_label": "yes", "true_label": "no"},
        ],
    )
    head = binary.head()

    refused = binary.post(
        "/versions/v1/promote",
        {"gate": {"dataset_split": "test", "min": {"accuracy": 0.9, "recall": 0.5}}},
    )

    assert refused.status_code == 409
    failing = refused.json()["extra"]["failing_metrics"]
    assert failing == [{"metric": "accuracy", "bound": "min", "threshold": 0.9, "value": 0.5}]
    assert binary.head() == head
    passed = binary.post("/versions/v1/promote", {"gate": {"min": {"accuracy": 0.5}}})
    assert passed.status_code == 200

    # the promotion carries what the gate judged, and the history shows it
    binary.catch_up()
    [promoted] = [e for e in binary.get("/history").json() if e["type"] == "VersionPromoted"]
    evidence = promoted["data"]["evidence"]
    assert evidence["gate"] == {"dataset_split": "test", "min": {"accuracy": 0.5}, "max": {}}
    assert evidence["checks"] == [
        {"metric": "accuracy", "bound": "min", "threshold": 0.5, "value": 0.5}]
    assert (evidence["sample_count"], evidence["labeled_count"]) == (2, 2)
    assert head <= binary.position_of(evidence["position"]) < binary.position_of(
        promoted["position"])


def test_a_promotion_without_a_gate_records_no_evidence(binary: Scenario) -> None:
    binary.trained_version("v1")
    assert binary.post("/versions/v1/promote", {}).status_code == 200
    binary.catch_up()
    [promoted] = [e for e in binary.get("/history").json() if e["type"] == "VersionPromoted"]
    assert promoted["data"]["evidence"] is None


def test_a_gate_with_an_unknown_metric_is_400(binary: Scenario) -> None:
    binary.trained_version("v1")
    answer = binary.post("/versions/v1/promote", {"gate": {"min": {"vibes": 1.0}}})
    assert answer.status_code == 400 and "vibes" in answer.json()["detail"]


def test_regression_models_have_no_confusion_matrix(scenario: Scenario) -> None:
    scenario.create_model(name="price", task="regression")
    scenario.trained_version()
    scenario.send_predictions("v1", [{"row_id": "a", "prediction": 1.0, "target": 2.0}])
    scenario.catch_up()
    answer = scenario.get("/performance/confusion-matrix")
    assert answer.status_code == 422 and "classification" in answer.json()["detail"]


@pytest.mark.parametrize(
    "definition",
    [
        {"name": "b", "task": "binary_classification", "labels": ["only-one"]},
        {"name": "b", "task": "binary_classification", "labels": ["a", "b"], "positive_label": "c"},
        {"name": "r", "task": "regression", "labels": ["a"]},
        {"name": "", "task": "regression"},
        {"name": "x", "task": "clustering"},
    ],
)
def test_invalid_model_definitions_are_400(
    scenario: Scenario, definition: dict[str, object]
) -> None:
    head = scenario.head()
    answer = scenario.client.post("/api/v1/models", json=definition, headers=scenario.headers)
    assert answer.status_code == 400, answer.text
    assert scenario.head() == head
