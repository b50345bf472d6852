"""Late labels, replaced rows and resent batches keep the cached metrics exact."""

from __future__ import annotations

import pytest

from tests.scenario import Scenario


@pytest.fixture
def binary(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    return scenario


def rows(*specs: tuple[str, str, str | None]) -> list[dict[str, object]]:
    return [
        {"row_id": row_id, "predicted_label": predicted, **({"true_label": truth} if truth else {})}
        for row_id, predicted, truth in specs
    ]


def test_late_labels_change_the_summary(binary: Scenario) -> None:
    binary.send_predictions("v1", rows(("a", "yes", None), ("b", "no", None), ("c", "yes", "yes")))
    first = binary.summary()
    assert first["labeled_count"] == 1 and first["metrics"]["accuracy"] == 1.0

    answer = binary.send_labels(
        "v1", [{"row_id": "a", "true_label": "no"}, {"row_id": "b", "true_label": "no"}]
    )

    assert answer["accepted"] == 2 and answer["unknown_row_ids"] == []
    second = binary.summary(min_position=answer["position"])
    assert second["sample_count"] == 3 and second["labeled_count"] == 3
    assert second["metrics"]["accuracy"] == pytest.approx(2 / 3)


def test_labels_for_unknown_rows_are_reported_and_applied_when_the_row_arrives(
    binary: Scenario,
) -> None:
    binary.send_predictions("v1", rows(("a", "yes", "yes")))
    answer = binary.send_labels("v1", [{"row_id": "later", "true_label": "no"}])
    assert answer["unknown_row_ids"] == ["later"]

    binary.send_predictions("v1", rows(("later", "yes", None)))

    summary = binary.summary()
    assert summary["labeled_count"] == 2
    assert summary["metrics"]["accuracy"] == 0.5


def test_a_resent_row_id_replaces_the_row_and_keeps_its_truth(binary: Scenario) -> None:
    binary.send_predictions("v1", rows(("a", "no", "yes"), ("b", "no", "no")))
    assert binary.summary()["metrics"]["accuracy"] == 0.5

    binary.send_predictions("v1", rows(("a", "yes", None)))

    summary = binary.summary()
    assert summary["sample_count"] == 2
    assert summary["metrics"]["accuracy"] == 1.0
    matrix = binary.get("/performance/confusion-matrix").json()["matrix"]
    assert matrix == [[1, 0], [0, 1]]


def test_a_resent_batch_appends_nothing_and_answers_as_the_first_time(binary: Scenario) -> None:
    records = rows(("a", "no", "no"), ("b", "yes", "no"))
    first = binary.send_predictions("v1", records, batch_id="nightly-1")
    head = binary.head()

    again = binary.send_predictions("v1", records, batch_id="nightly-1")

    assert again == first
    assert binary.head() == head
    assert binary.summary()["sample_count"] == 2


def test_batches_without_an_id_are_idempotent_by_content(binary: Scenario) -> None:
    records = rows(("a", "no", "no"))
    first = binary.send_predictions("v1", records)
    head = binary.head()
    assert binary.send_predictions("v1", records) == first
    assert binary.head() == head
    other = binary.send_predictions("v1", rows(("a", "yes", "no")))
    assert other["batch_id"] != first["batch_id"] and binary.position_of(other["position"]) > head


def test_splits_and_versions_are_summarised_separately(binary: Scenario) -> None:
    binary.trained_version("v2")
    binary.send_predictions("v1", rows(("a", "no", "no")), split="test")
    binary.send_predictions("v1", rows(("a", "yes", "no")), split="production")
    binary.send_predictions("v2", rows(("a", "yes", "no")), split="test")

    assert binary.summary(version_id="v1")["metrics"]["accuracy"] == 1.0
    assert binary.summary(version_id="v1", dataset_split="production")["metrics"]["accuracy"] == 0.0
    assert binary.summary(version_id="v2")["metrics"]["accuracy"] == 0.0
    versions = {v["version_id"]: v for v in binary.get("/versions").json()}
    assert versions["v1"]["row_counts"] == {"train": 0, "validation": 0, "test": 1, "production": 1}


def test_history_lists_the_audit_trail_in_order(binary: Scenario) -> None:
    binary.send_predictions("v1", rows(("a", "no", "no")))
    binary.send_labels("v1", [{"row_id": "a", "true_label": "yes"}])
    binary.catch_up()

    entries = binary.get("/history").json()

    assert [e["type"] for e in entries] == [
        "ModelRegistered",
        "VersionCreated",
        "VersionStatusChanged",
        "VersionStatusChanged",
        "PredictionsRecorded",
        "LabelsRecorded",
    ]
    positions = [binary.position_of(e["position"]) for e in entries]
    assert positions == sorted(positions)
    assert entries[0]["actor"] == "tester"
    assert entries[4]["data"]["rows"] == 1 and entries[3]["data"]["status"] == "trained"


def test_undeclared_labels_keep_their_first_seen_order(scenario: Scenario) -> None:
    scenario.create_model(name="open-set", task="multiclass_classification")
    scenario.trained_version()
    seen = ["zebra", "apple", "mango", "kiwi", "fig", "date"]
    scenario.send_predictions("v1", [
        {"row_id": f"r{i}", "predicted_label": label, "true_label": seen[0]}
        for i, label in enumerate(seen)])
    scenario.catch_up()
    assert scenario.get("/performance/confusion-matrix").json()["labels"] == seen


def test_a_label_seen_in_another_split_widens_every_confusion_matrix(scenario: Scenario
                                                                     ) -> None:
    scenario.create_model(name="open-set", task="multiclass_classification")
    scenario.trained_version()
    scenario.send_predictions("v1", [{"row_id": "a", "predicted_label": "x", "true_label": "y"}])
    scenario.catch_up()
    scenario.send_predictions("v1", [{"row_id": "a", "predicted_label": "z", "true_label": "z"}],
                              split="production")
    scenario.catch_up()

    matrix = scenario.get("/performance/confusion-matrix").json()

    assert matrix["labels"] == ["x", "y", "z"]
    assert matrix["matrix"] == [[0, 0, 0], [1, 0, 0], [0, 0, 0]]
    assert scenario.container.engine.check_drift("performance") == []
