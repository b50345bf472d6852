"""v3 publishing feeds v1: summaries equal scikit-learn on the published rows, updates apply."""

from __future__ import annotations

import io
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from litestar.testing import TestClient
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

from perfledger.api.bootstrap import Container
from perfledger.domain.catalog.publishing import RowMapper
from perfledger.domain.errors import Conflict
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import DatasetSplit, VersionStatus
from tests.v3 import create_model, create_project, model_body


@pytest.fixture
def model(client: TestClient[Any], admin: dict[str, str]) -> dict[str, Any]:
    return dict(create_model(client, admin, model_body(create_project(client, admin))))


def rows(count: int, seed: int, with_truth: bool = True) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    scores = rng.random(count)
    truth = np.where(rng.random(count) < scores, "yes", "no")
    return [
        {"row": f"r{seed}-{i}", "age": int(rng.integers(18, 90)), "income": 1000.0 * i,
         "score": float(scores[i]), **({"churned": str(truth[i])} if with_truth else {})}
        for i in range(count)
    ]


def summary(client: TestClient[Any], headers: dict[str, str], model_id: str, split: str) -> Any:
    answer = client.get(f"/api/v1/models/{model_id}/performance/summary",
                        params={"dataset_split": split}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def binary_metrics(published: list[dict[str, Any]]) -> dict[str, float]:
    truth = [row["churned"] == "yes" for row in published]
    scores = [row["score"] for row in published]
    predicted = [score >= 0.5 for score in scores]
    return {
        "accuracy": accuracy_score(truth, predicted),
        "precision": precision_score(truth, predicted, zero_division=0),
        "recall": recall_score(truth, predicted, zero_division=0),
        "f1_score": f1_score(truth, predicted, zero_division=0),
        "roc_auc": roc_auc_score(truth, scores),
        "log_loss": log_loss(truth, scores),
    }


def publish(client: TestClient[Any], headers: dict[str, str], body: dict[str, Any],
            update: bool = False) -> Any:
    method = client.patch if update else client.post
    return method("/v3/events", json=body, headers=headers)


def production_events(model_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """A publish body sending `events` to the model's production environment."""
    return {"model_id": model_id, "env_type": "PRODUCTION",
            "source": {"type": "EVENTS", "events": events}}


def assert_metrics(got: dict[str, float], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-9), name


def test_published_events_give_production_summaries_equal_to_sklearn(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    published = rows(300, seed=1)
    body = {"model_id": model["id"], "env_type": "PRODUCTION", "env_name": None,
            "source": {"type": "EVENTS", "events": published}}
    answer = publish(client, admin, body)
    assert answer.status_code == 202, answer.text
    assert answer.json()["data"]["event_ids"] == [row["row"] for row in published]
    result = summary(client, admin, model["id"], "production")
    assert result["labeled_count"] == 300
    assert_metrics(result["metrics"], binary_metrics(published))


def test_a_published_parquet_file_runs_a_job_and_feeds_the_test_split(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    published = rows(250, seed=2)
    sink = io.BytesIO()
    pd.DataFrame(published).to_parquet(sink, index=False)
    file_id = client.post("/v3/files/upload", files={"file": ("data.parquet", sink.getvalue())},
                          headers=admin).json()["data"]["id"]
    body = {"model_id": model["id"], "env_type": "PRE_PRODUCTION", "env_name": "test",
            "source": {"type": "FILE", "file_id": file_id}}
    answer = publish(client, admin, body)
    assert answer.status_code == 202, answer.text
    job = client.get(f"/v3/jobs/{answer.json()['data']['job']['id']}", headers=admin).json()
    assert job["data"]["status"] == "SUCCESS" and job["data"]["info"]["rows"] == 250
    assert_metrics(summary(client, admin, model["id"], "test")["metrics"],
                   binary_metrics(published))
    head = container.engine.log.head()
    again = publish(client, admin, body).json()["data"]["job"]["id"]
    assert client.get(f"/v3/jobs/{again}", headers=admin).json()["data"]["info"][
        "new_batches"] == 0
    assert container.engine.log.head() == head + 2  # the job alone: started, succeeded


def test_late_labels_through_an_update_change_the_summary(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    published = rows(200, seed=3)
    unlabeled = [{k: v for k, v in row.items() if k != "churned"} for row in published]
    body = production_events(model["id"], unlabeled[:150] + published[150:])
    assert publish(client, admin, body).status_code == 202
    before = summary(client, admin, model["id"], "production")
    assert before["labeled_count"] == 50
    assert_metrics(before["metrics"], binary_metrics(published[150:]))
    labels = [{"row": row["row"], "churned": row["churned"]} for row in published[:150]]
    update = production_events(model["id"], labels)
    assert publish(client, admin, update, update=True).status_code == 202
    after = summary(client, admin, model["id"], "production")
    assert after["labeled_count"] == 200
    assert_metrics(after["metrics"], binary_metrics(published))


def test_corrected_outputs_through_an_update_replace_the_prediction(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    published = rows(100, seed=4)
    body = production_events(model["id"], published)
    publish(client, admin, body)
    corrected = [{"row": row["row"], "score": 1.0 - row["score"]} for row in published[:40]]
    update = {**body, "source": {"type": "EVENTS", "events": corrected}}
    assert publish(client, admin, update, update=True).status_code == 202
    expected = [{**row, "score": 1.0 - row["score"]} for row in published[:40]] + published[40:]
    assert_metrics(summary(client, admin, model["id"], "production")["metrics"],
                   binary_metrics(expected))


def test_multiclass_and_regression_rows_map_through_their_specs(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = create_project(client, admin)
    columns = [{"name": n, "data_type": "float"} for n in ("p_a", "p_b", "p_c", "y", "y_hat")]
    columns.append({"name": "kind", "data_type": "category", "categories": ["a", "b", "c"]})
    multi = model_body(project, name="multi", task="multiclass_classification", event_id_col=None)
    multi["schema"]["columns"] = columns
    multi["spec"] = {"outputs": ["p_a", "p_b", "p_c"], "targets": ["kind"]}
    regression = model_body(project, name="reg", task="regression", event_id_col=None)
    regression["schema"]["columns"] = columns
    regression["spec"] = {"outputs": ["y_hat"], "targets": ["y"]}
    multi_id = create_model(client, admin, multi)["id"]
    reg_id = create_model(client, admin, regression)["id"]
    rng = np.random.default_rng(5)
    probabilities = rng.dirichlet([1, 1, 1], 120)
    truth = rng.choice(["a", "b", "c"], 120)
    targets, estimates = rng.normal(size=120), rng.normal(size=120)
    events = [{"p_a": float(p[0]), "p_b": float(p[1]), "p_c": float(p[2]), "kind": str(t),
               "y": float(y), "y_hat": float(e)}
              for p, t, y, e in zip(probabilities, truth, targets, estimates, strict=True)]
    for model_id in (multi_id, reg_id):
        body = {"model_id": model_id, "env_type": "PRE_PRODUCTION", "env_name": "validation",
                "source": {"type": "EVENTS", "events": events}}
        assert publish(client, admin, body).status_code == 202
    got = summary(client, admin, multi_id, "validation")["metrics"]
    predicted = np.array(["a", "b", "c"])[probabilities.argmax(axis=1)]
    assert got["accuracy"] == pytest.approx(accuracy_score(truth, predicted), abs=1e-9)
    assert got["log_loss"] == pytest.approx(
        log_loss(truth, probabilities, labels=["a", "b", "c"]), abs=1e-9)
    got = summary(client, admin, reg_id, "validation")["metrics"]
    assert got["mse"] == pytest.approx(mean_squared_error(targets, estimates), abs=1e-9)


@pytest.mark.parametrize(
    "change",
    [
        {"env_type": "PRE_PRODUCTION", "env_name": "staging"},
        {"source": {"type": "EVENTS", "events": [{"row": "x", "score": "high"}]}},
        {"source": {"type": "EVENTS", "events": [{"row": str(i), "score": 0.5}
                                                 for i in range(1001)]}},
        {"source": {"type": "SQL", "query": "select 1"}},
        {"source": {"type": "FILE", "file_id": "00000000-0000-4000-8000-000000000000"}},
    ],
)
def test_bad_publishes_are_rejected_whole_and_leave_no_trace(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container,
    change: dict[str, Any],
) -> None:
    body = {"model_id": model["id"], "env_type": "PRODUCTION",
            "source": {"type": "EVENTS", "events": rows(3, seed=6)}, **change}
    head = container.engine.log.head()
    answer = publish(client, admin, body)
    assert answer.status_code in (400, 404), answer.text
    assert answer.json()["kind"] == "ERROR"
    assert container.engine.log.head() == head


def test_an_update_without_event_ids_is_400(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any]
) -> None:
    body = production_events(model["id"], [{"churned": "yes"}])
    answer = publish(client, admin, body, update=True)
    assert answer.status_code == 400 and "event_id_col" in answer.text


def test_an_update_naming_event_ids_never_published_is_404_and_appends_nothing(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    published = rows(5, seed=7)
    body = production_events(model["id"], published)
    assert publish(client, admin, body).status_code == 202
    before = summary(client, admin, model["id"], "production")
    head = container.engine.log.head()
    known = published[0]["row"]
    updates = [
        [{"row": "never-seen", "score": 0.9}, {"row": known, "score": 0.1}],
        [{"row": known, "churned": "no"}, {"row": "never-seen", "churned": "yes"}],
    ]
    for events in updates:
        update = {**body, "source": {"type": "EVENTS", "events": events}}
        answer = publish(client, admin, update, update=True)
        assert answer.status_code == 404, answer.text
        error = answer.json()["error"]
        assert error["errors"][0]["reason"] == "ObjectNotFound"
        assert "never-seen" in error["message"] and known not in error["message"]
        assert error["details"]["unknown_event_ids"] == ["never-seen"]
    elsewhere = {**body, "env_type": "PRE_PRODUCTION", "env_name": "test",
                 "source": {"type": "EVENTS", "events": [{"row": known, "score": 0.2}]}}
    assert publish(client, admin, elsewhere, update=True).status_code == 404
    assert container.engine.log.head() == head
    assert summary(client, admin, model["id"], "production") == before


def test_an_update_from_a_file_with_an_unknown_event_id_is_404_and_appends_nothing(
    client: TestClient[Any], admin: dict[str, str], model: dict[str, Any], container: Container
) -> None:
    published = rows(20, seed=8)
    body = production_events(model["id"], published)
    assert publish(client, admin, body).status_code == 202
    labels = [{"row": row["row"], "churned": "yes"} for row in published]
    labels.append({"row": "r8-extra", "churned": "no"})
    file_id = client.post(
        "/v3/files/upload", headers=admin,
        files={"file": ("labels.csv", pd.DataFrame(labels).to_csv(index=False).encode())},
    ).json()["data"]["id"]
    head = container.engine.log.head()
    update = {**body, "source": {"type": "FILE", "file_id": file_id}}
    answer = publish(client, admin, update, update=True)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["details"]["unknown_event_ids"] == ["r8-extra"]
    assert container.engine.log.head() == head


def test_an_update_checked_against_one_version_conflicts_once_another_is_promoted(
    model: dict[str, Any], container: Container, org: str
) -> None:
    caller, ledger = Caller(org), container.ledger
    model_id = uuid.UUID(model["id"])
    ledger.create_version(caller, model_id, "v2")
    for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
        ledger.change_version_status(caller, model_id, "v2", status)
    ledger.promote_version(caller, model_id, "v2")
    mapped = RowMapper(ledger.get_entry(caller, model_id)).map([{"row": "a", "score": 0.5}], True)
    head = container.engine.log.head()
    with pytest.raises(Conflict):
        ledger.publish(caller, model_id, DatasetSplit.PRODUCTION, [("events", mapped)], True,
                       expected_version="v1")
    assert container.engine.log.head() == head
