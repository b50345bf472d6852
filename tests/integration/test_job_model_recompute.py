"""v2 model metrics: cached until a recompute completes; requests collapse, crash, retry."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from perfledger.scheduler import tasks
from tests.job_oracle import expected_metrics
from tests.jobs_scenario import JobScenario

DECISIONS = ["Drop", "Investigate", "Escalate"]
METRIC_FIELDS = ("overall_accuracy", "overall_f1_score", "overall_recall", "overall_precision",
                 "confusion_matrix", "metrics_per_decision")


@pytest.fixture
def trained(client: Any, container: Any, admin: dict[str, str]) -> JobScenario:
    """A trained job whose model has decided events, some with feedback."""
    s = JobScenario(client, container, admin)
    s.create_job("Phishing triage", DECISIONS)
    s.send_events([{"event_id": "old", "decision": "Drop"}])
    s.train()
    s.send_events([{"event_id": f"e{i}", "decision": DECISIONS[i % 3],
                    "timestamp": f"2025-01-01T{i:02d}:00:00Z"} for i in range(12)])
    for i in range(8):
        s.feedback(f"e{i}", DECISIONS[(i * 2) % 3], "alice")
    s.feedback("old", "Escalate", "alice")  # decided before any model: not this model's
    return s


def model_url(s: JobScenario) -> str:
    return f"/api/v2/metrics/model?job_id={s.job_id}&model_id={s.active_model_id()}"


def request_url(s: JobScenario) -> str:
    return (f"/api/v2/metrics/model/request_recompute_metrics?job_id={s.job_id}"
            f"&model_id={s.active_model_id()}")


def model_metrics(s: JobScenario) -> dict[str, Any]:
    s.container.engine.catch_up_all(60)  # as the scheduler's catch_up would have by now
    answer = s.client.get(model_url(s), headers=s.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def run_job(s: JobScenario) -> int:
    context = tasks.TaskContext(s.container.engine, s.container.ledger, s.container.positions)
    return tasks.process_recompute_requests(context)


def expected_model_metrics(s: JobScenario) -> dict[str, Any]:
    model_id = s.active_model_id()
    filters = [{"field": "arcanna.model_id", "operator": "is", "value": model_id}]
    return {name: expected_metrics(s.recorded, filters)[name] for name in METRIC_FIELDS}


def test_the_request_answers_the_seeds_body(trained: JobScenario) -> None:
    answer = trained.client.post(request_url(trained), headers={
        **trained.headers, "Content-Type": "application/json"})
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["message", "job_id", "model_id", "status", "requested_at"]
    assert body["message"] == "Metrics recomputation initiated successfully"
    assert (body["job_id"], body["model_id"]) == (1, trained.active_model_id())
    assert body["status"] == "queued" and body["requested_at"].endswith("Z")


def test_model_metrics_change_only_after_a_completed_recompute(trained: JobScenario) -> None:
    before = model_metrics(trained)
    assert before["is_recomputing_metrics"] is False
    assert before["last_recomputed_timestamp"] is None
    assert all(before[name] is None for name in METRIC_FIELDS[:5])
    assert before["metrics_per_decision"] == {}
    # Step: asked, not yet run: pending, still the old numbers.
    trained.client.post(request_url(trained), headers=trained.headers)
    pending = model_metrics(trained)
    assert pending["is_recomputing_metrics"] is True
    assert {k: pending[k] for k in METRIC_FIELDS} == {k: before[k] for k in METRIC_FIELDS}
    # Step: the scheduler's job completes it.
    assert run_job(trained) == 1
    done = model_metrics(trained)
    assert done["is_recomputing_metrics"] is False and done["last_recomputed_timestamp"]
    assert {k: done[k] for k in METRIC_FIELDS} == expected_model_metrics(trained)
    # Step: new feedback changes nothing until the next recompute.
    for i in range(8, 12):
        trained.feedback(f"e{i}", "Drop", "bob")
    assert model_metrics(trained) == done
    trained.client.post(request_url(trained), headers=trained.headers)
    run_job(trained)
    later = model_metrics(trained)
    assert {k: later[k] for k in METRIC_FIELDS} == expected_model_metrics(trained)
    assert later["confusion_matrix"] != done["confusion_matrix"]


def test_duplicate_requests_collapse_into_the_pending_one(trained: JobScenario) -> None:
    first = trained.client.post(request_url(trained), headers=trained.headers).json()
    head = trained.head()
    again = trained.client.post(request_url(trained), headers=trained.headers).json()
    assert again == first and trained.head() == head
    assert run_job(trained) == 1 and run_job(trained) == 0
    after = trained.client.post(request_url(trained), headers=trained.headers).json()
    assert after["status"] == "queued" and after["requested_at"] != first["requested_at"]


def test_a_request_left_in_progress_by_a_crashed_worker_is_taken_up_again(
        trained: JobScenario, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = trained.container.ledger
    trained.client.post(request_url(trained), headers=trained.headers)
    trained.container.engine.catch_up_all(60)
    with trained.container.database.read() as tx:
        request_id = tx.value("SELECT request_id FROM recompute_requests WHERE target = ?",
                              ("job_model",))
    assert ledger.start_recompute(uuid.UUID(request_id), "worker-that-dies") is not None
    again = trained.client.post(request_url(trained), headers=trained.headers).json()
    assert again["status"] == "in_progress"
    assert model_metrics(trained)["is_recomputing_metrics"] is True
    assert run_job(trained) == 0  # not stuck long enough yet
    monkeypatch.setattr(tasks, "STUCK_AFTER", timedelta(0))
    assert run_job(trained) == 1
    done = model_metrics(trained)
    assert done["is_recomputing_metrics"] is False
    assert {k: done[k] for k in METRIC_FIELDS} == expected_model_metrics(trained)
    assert ledger.get_recompute_request(uuid.UUID(request_id)).attempts == 2


def test_unknown_and_missing_parameters_answer_the_seeds_bodies(trained: JobScenario) -> None:
    head = trained.head()
    url = "/api/v2/metrics/model/request_recompute_metrics"
    missing = trained.client.post(f"{url}?job_id=1", headers=trained.headers)
    assert missing.status_code == 422
    assert missing.json() == {"detail": [{"loc": ["query", "model_id"],
                                          "msg": "Model ID is required", "type": "value_error"}]}
    unknown = trained.client.post(
        f"{url}?job_id=1&model_id=generic-1-1234-model-1747385873.hdf5", headers=trained.headers)
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "Model not found",
        "details": "Model 'generic-1-1234-model-1747385873.hdf5' not found for job '1'"}
    no_job = trained.client.post(f"{url}?job_id=1234&model_id=m", headers=trained.headers)
    assert no_job.status_code == 404 and no_job.json()["error"] == "Job not found"
    assert trained.head() == head


def test_job_and_latest_model_recomputes_the_active_model_synchronously(
        trained: JobScenario) -> None:
    answer = trained.client.post(
        f"/api/v2/metrics/job_and_latest_model?job_id={trained.job_id}&timeout_s=30",
        json={}, headers=trained.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    active = body.pop("active_model_metrics")
    assert body == trained.metrics()
    assert active["model_id"] == trained.active_model_id()
    assert active["is_recomputing_metrics"] is False and active["last_recomputed_timestamp"]
    assert {k: active[k] for k in METRIC_FIELDS} == expected_model_metrics(trained)
    assert model_metrics(trained) == active


def test_job_and_latest_model_refuses_bad_filters_before_queueing_anything(
        trained: JobScenario) -> None:
    head = trained.head()
    answer = trained.client.post(
        f"/api/v2/metrics/job_and_latest_model?job_id={trained.job_id}",
        json={"filters": [{"field": "port", "operator": "near", "value": 1}]},
        headers=trained.headers)
    assert answer.status_code == 400 and "Unknown operator" in answer.json()["error"]
    assert trained.head() == head
