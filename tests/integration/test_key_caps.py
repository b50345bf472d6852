"""Every value that becomes an index key is capped before anything is appended: a 10 KB id,
label or user is a 400 naming the field, the cap and the record, in every dialect."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.domain.limits import MAX_KEY_BYTES, MAX_LABELS_PER_MODEL
from tests.conftest import bearer
from tests.scenario import Scenario
from tests.v3 import create_model, create_project, model_body

HUGE = "x" * 10_240
CAP_TEXT = f"at most {MAX_KEY_BYTES} bytes"


def appends_nothing(scenario: Scenario, send: Any, status: int = 400) -> Any:
    head = scenario.head()
    answer = send()
    assert answer.status_code == status, answer.text
    assert scenario.head() == head, "a refused command appended an event"
    return answer


@pytest.fixture
def multiclass(scenario: Scenario) -> Scenario:
    scenario.create_model(name="species", task="multiclass_classification")
    scenario.trained_version()
    return scenario


def predictions(*records: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"dataset_split": "test", "records": list(records), **extra}


@pytest.mark.parametrize(("record", "field"), [
    ({"row_id": HUGE, "predicted_label": "cat"}, "row_id"),
    ({"row_id": "r", "predicted_label": HUGE}, "predicted_label"),
    ({"row_id": "r", "predicted_label": "cat", "true_label": HUGE}, "true_label"),
    ({"row_id": "r", "predicted_label": "cat", "probabilities": {"cat": 0.5, HUGE: 0.5}},
     "probabilities"),
])
def test_a_v1_prediction_key_past_the_cap_is_refused_naming_field_cap_and_index(
    multiclass: Scenario, record: dict[str, Any], field: str
) -> None:
    records = [{"row_id": "ok", "predicted_label": "cat"}, record]
    answer = appends_nothing(multiclass, lambda: multiclass.post(
        "/versions/v1/predictions", predictions(*records)))
    problems = answer.json()["extra"]["invalid_records"]
    assert [(p["index"], p["field"]) for p in problems] == [(1, field)]
    assert CAP_TEXT in problems[0]["message"]


def test_a_v1_label_row_id_past_the_cap_is_refused(multiclass: Scenario) -> None:
    answer = appends_nothing(multiclass, lambda: multiclass.post("/versions/v1/labels", {
        "dataset_split": "test", "labels": [{"row_id": HUGE, "true_label": "cat"}]}))
    assert answer.json()["extra"]["invalid_records"][0]["field"] == "row_id"


def test_a_key_of_exactly_the_cap_is_accepted(multiclass: Scenario) -> None:
    row_id = "é" * (MAX_KEY_BYTES // 2)  # two bytes each in UTF-8
    multiclass.send_predictions("v1", [{"row_id": row_id, "predicted_label": "cat",
                                        "true_label": "cat"}])
    assert multiclass.summary()["labeled_count"] == 1


def test_model_labels_and_inputs_past_the_cap_are_refused(scenario: Scenario) -> None:
    for body, fragment in [
        ({"name": "m", "task": "multiclass_classification", "labels": ["a", HUGE]}, "labels[1]"),
        ({"name": "m", "task": "regression", "inputs": [HUGE]}, "inputs[0]"),
    ]:
        answer = appends_nothing(scenario, lambda b=body: scenario.client.post(
            "/api/v1/models", json=b, headers=scenario.headers))
        assert fragment in answer.text and CAP_TEXT in answer.text


def test_a_model_without_declared_labels_takes_at_most_the_label_cap(
    multiclass: Scenario,
) -> None:
    half = MAX_LABELS_PER_MODEL // 2 + 1
    first = [{"row_id": f"a{i}", "predicted_label": f"l{i}"} for i in range(half)]
    multiclass.send_predictions("v1", first)
    second = [{"row_id": f"b{i}", "predicted_label": f"m{i}"} for i in range(half)]
    answer = appends_nothing(multiclass, lambda: multiclass.post(
        "/versions/v1/predictions", predictions(*second)))
    assert answer.json()["extra"]["limit"] == MAX_LABELS_PER_MODEL
    # Labels it knows already come back freely.
    multiclass.send_predictions("v1", [{"row_id": "c", "predicted_label": "l0"}])


def test_a_reused_v1_batch_id_with_other_rows_is_409_with_the_first_receipt(
    multiclass: Scenario,
) -> None:
    first = multiclass.send_predictions("v1", [{"row_id": "a", "predicted_label": "cat"}],
                                        batch_id="b1")
    again = multiclass.send_predictions("v1", [{"row_id": "a", "predicted_label": "cat"}],
                                        batch_id="b1")
    assert again == first
    answer = appends_nothing(multiclass, lambda: multiclass.post(
        "/versions/v1/predictions",
        predictions({"row_id": "a", "predicted_label": "dog"}, batch_id="b1")), 409)
    assert answer.json()["extra"] == {"batch_id": "b1", "accepted": 1,
                                      "position": first["position"]}


@pytest.fixture
def job(client: TestClient[Any], admin: dict[str, str]) -> int:
    answer = client.post("/api/v2/jobs", json={"title": "t", "decisions": ["a", "b"]},
                         headers=admin)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["job_id"])


@pytest.mark.parametrize(("event", "field"), [
    ({"event_id": HUGE, "decision": "a"}, "event_id"),
    ({"event_id": "e", "decision": "a", "bucket_id": HUGE}, "bucket_id"),
])
def test_a_v2_event_key_past_the_cap_is_refused(
    scenario: Scenario, job: int, event: dict[str, Any], field: str
) -> None:
    answer = appends_nothing(scenario, lambda: scenario.client.post(
        f"/api/v2/jobs/{job}/events", json={"events": [event]}, headers=scenario.headers))
    problems = answer.json()["details"]["invalid_records"]
    assert problems[0]["field"] == field and CAP_TEXT in problems[0]["message"]


def test_a_v2_feedback_user_past_the_cap_is_refused(scenario: Scenario, job: int) -> None:
    sent = scenario.client.post(f"/api/v2/jobs/{job}/events",
                                json={"events": [{"event_id": "e", "decision": "a"}]},
                                headers=scenario.headers)
    assert sent.status_code == 202
    answer = appends_nothing(scenario, lambda: scenario.client.put(
        f"/api/v2/events/{job}/e/feedback", params={"feedback_label": "a", "user": HUGE},
        headers=scenario.headers))
    assert "user" in answer.text and CAP_TEXT in answer.text


def test_v2_decisions_past_the_cap_are_refused(scenario: Scenario) -> None:
    answer = appends_nothing(scenario, lambda: scenario.client.post(
        "/api/v2/jobs", json={"title": "t", "decisions": ["a", HUGE]},
        headers=scenario.headers))
    assert "decisions[1]" in answer.text


def test_a_v3_event_id_past_the_cap_is_refused(scenario: Scenario) -> None:
    project = create_project(scenario.client, scenario.headers)
    model = create_model(scenario.client, scenario.headers, model_body(project))
    body = {"model_id": model["id"], "env_type": "PRODUCTION", "source": {
        "type": "EVENTS", "events": [{"row": HUGE, "age": 30, "income": 1.0, "score": 0.4}]}}
    answer = appends_nothing(scenario, lambda: scenario.client.post(
        "/v3/events", json=body, headers=scenario.headers))
    assert "row_id" in answer.text and CAP_TEXT in answer.text


def test_a_v3_column_name_past_the_cap_is_refused(scenario: Scenario) -> None:
    project = create_project(scenario.client, scenario.headers)
    body = model_body(project)
    body["schema"]["columns"].append({"name": HUGE, "data_type": "str"})
    answer = appends_nothing(scenario, lambda: scenario.client.post(
        "/v3/models", json=body, headers=scenario.headers))
    assert "schema.columns[5].name" in answer.text


def test_a_token_whose_subject_is_past_the_cap_is_401(client: TestClient[Any], org: str
                                                       ) -> None:
    answer = client.get("/api/v2/token/scopes", headers=bearer(org, sub=HUGE))
    assert answer.status_code == 401 and "'sub'" in answer.text
