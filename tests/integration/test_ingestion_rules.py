"""Every bad input of v1-performance.md is rejected whole, named, and leaves no event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.scenario import Scenario

GOOD = {"row_id": "ok", "predicted_label": "no", "score": 0.2}
# JSON has no infinity, but 1e999 parses as one: it must be refused like any non-finite number.
INFINITY = "__infinity__"


@pytest.fixture
def binary(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    return scenario


def reject(
    scenario: Scenario, records: list[dict[str, Any]], status: int = 400, version: str = "v1"
) -> dict[str, Any]:
    head = scenario.head()
    body = json.dumps({"dataset_split": "test", "records": records})
    answer = scenario.client.post(
        f"/api/v1/models/{scenario.model_id}/versions/{version}/predictions",
        content=body.replace(f'"{INFINITY}"', "1e999"),
        headers={**scenario.headers, "content-type": "application/json"},
    )
    assert answer.status_code == status, answer.text
    assert scenario.head() == head, "a rejected batch appended an event"
    return dict(answer.json())


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (
            {"row_id": "x", "prediction": 3.0, "predicted_label": "no"},
            "prediction",
            "does not belong",
        ),
        ({"row_id": "x"}, "predicted_label", "is required"),
        ({"row_id": "x", "predicted_label": "maybe"}, "predicted_label", "not one of"),
        (
            {"row_id": "x", "predicted_label": "no", "true_label": "maybe"},
            "true_label",
            "not one of",
        ),
        ({"row_id": "x", "predicted_label": "no", "score": 1.5}, "score", "outside [0, 1]"),
        (
            {"row_id": "x", "predicted_label": "no", "probabilities": {"no": 0.7, "yes": 0.7}},
            "probabilities",
            "sum to",
        ),
        (
            {"row_id": "x", "predicted_label": "no", "probabilities": {"no": 1.2, "yes": -0.2}},
            "probabilities.no",
            "outside [0, 1]",
        ),
        (
            {"row_id": "x", "predicted_label": "no", "probabilities": {"no": 1.0}},
            "probabilities",
            "exactly the labels",
        ),
        (
            {"row_id": "x", "predicted_label": "no", "timestamp": "yesterday"},
            "timestamp",
            "ISO 8601",
        ),
    ],
)
def test_each_invalid_record_rejects_the_whole_batch_and_names_it(
    binary: Scenario, bad: dict[str, Any], field: str, words: str
) -> None:
    body = reject(binary, [GOOD, bad])

    problems = body["extra"]["invalid_records"]
    assert {"index": 1, "field": field} in [{k: p[k] for k in ("index", "field")} for p in problems]
    assert any(words in p["message"] for p in problems if p["field"] == field)
    assert "index 1" in body["detail"]


@pytest.mark.parametrize(
    "bad",
    [
        {"row_id": "x", "predicted_label": "no", "score": INFINITY},
        {"row_id": "x", "predicted_label": "no", "features": {"f": INFINITY}},
    ],
)
def test_non_finite_numbers_are_rejected(binary: Scenario, bad: dict[str, Any]) -> None:
    body = reject(binary, [GOOD, bad])
    assert "out of range" in body["detail"] and "[1]" in body["detail"]


def test_duplicate_row_ids_inside_a_batch_are_rejected(binary: Scenario) -> None:
    body = reject(binary, [GOOD, {**GOOD}])
    assert "appears more than once" in body["extra"]["invalid_records"][0]["message"]


def test_every_offending_index_is_named(binary: Scenario) -> None:
    records = [{"row_id": f"r{i}", "predicted_label": "maybe" if i % 2 else "no"} for i in range(6)]
    body = reject(binary, records)
    assert sorted({p["index"] for p in body["extra"]["invalid_records"]}) == [1, 3, 5]


@pytest.mark.parametrize("count", [0, 10_001])
def test_batch_size_must_be_between_one_and_ten_thousand(binary: Scenario, count: int) -> None:
    records = [{"row_id": f"r{i}", "predicted_label": "no"} for i in range(count)]
    body = reject(binary, records)
    assert "1 to 10000 records" in body["detail"]


def test_wrong_types_and_unknown_fields_are_400_naming_the_field(binary: Scenario) -> None:
    body = reject(binary, [{"row_id": 7, "predicted_label": "no"}])
    assert "row_id" in str(body)
    body = reject(binary, [{**GOOD, "colour": "red"}])
    assert "colour" in str(body)


def test_malformed_json_is_400(binary: Scenario) -> None:
    head = binary.head()
    answer = binary.client.post(
        f"/api/v1/models/{binary.model_id}/versions/v1/predictions",
        content=b'{"dataset_split": ',
        headers=binary.headers,
    )
    assert answer.status_code == 400
    assert binary.head() == head


def test_unknown_dataset_split_is_400(binary: Scenario) -> None:
    head = binary.head()
    answer = binary.post(
        "/versions/v1/predictions", {"dataset_split": "holdout", "records": [GOOD]}
    )
    assert answer.status_code == 400 and "dataset_split" in answer.text
    assert binary.head() == head
    assert binary.get("/performance/summary", dataset_split="holdout").status_code == 400


def test_an_archived_version_accepts_no_rows(binary: Scenario) -> None:
    assert (
        binary.client.patch(
            f"/api/v1/models/{binary.model_id}/versions/v1",
            json={"status": "archived"},
            headers=binary.headers,
        ).status_code
        == 200
    )
    body = reject(binary, [GOOD], status=409)
    assert "archived" in body["detail"]


def test_unknown_version_or_model_is_404(binary: Scenario) -> None:
    reject(binary, [GOOD], status=404, version="nope")
    head = binary.head()
    answer = binary.client.post(
        "/api/v1/models/not-a-uuid/versions/v1/predictions",
        json={"dataset_split": "test", "records": [GOOD]},
        headers=binary.headers,
    )
    assert answer.status_code == 404 and binary.head() == head


def test_regression_rows_need_a_finite_prediction(scenario: Scenario) -> None:
    scenario.create_model(name="price", task="regression")
    scenario.trained_version()
    body = reject(
        scenario,
        [
            {"row_id": "a", "predicted_label": "x"},
            {"row_id": "b", "prediction": 1.0, "target": 2.0},
        ],
    )
    fields = {(p["index"], p["field"]) for p in body["extra"]["invalid_records"]}
    assert fields == {(0, "prediction"), (0, "predicted_label")}


def test_labels_are_validated_against_the_model(binary: Scenario) -> None:
    head = binary.head()
    answer = binary.post(
        "/versions/v1/labels",
        {
            "dataset_split": "test",
            "labels": [{"row_id": "a", "true_label": "maybe"}, {"row_id": "b", "target": 2.0}],
        },
    )
    assert answer.status_code == 400
    assert {p["index"] for p in answer.json()["extra"]["invalid_records"]} == {0, 1}
    assert binary.head() == head


def test_request_bodies_over_the_limit_are_413(binary: Scenario) -> None:
    head = binary.head()
    records = [
        {"row_id": f"r{i}", "predicted_label": "no", "features": {"pad": "x" * 300}}
        for i in range(8000)
    ]
    answer = binary.post("/versions/v1/predictions", {"dataset_split": "test", "records": records})
    assert answer.status_code == 413
    assert binary.head() == head
