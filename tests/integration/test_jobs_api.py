"""The v2 jobs dialect: jobs, batches, single events, export, feedback, training, scopes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.conftest import bearer, impatient
from tests.jobs_scenario import JobScenario

DECISIONS = ["Drop", "Investigate", "Escalate"]


@pytest.fixture
def job(client: Any, container: Any, admin: dict[str, str]) -> JobScenario:
    s = JobScenario(client, container, admin)
    s.create_job("Phishing triage", DECISIONS)
    return s


def event(event_id: str, decision: str = "Drop", **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "decision": decision, "timestamp": "2025-01-01T10:00:00Z",
            **extra}


def test_a_job_gets_an_integer_id_and_is_found_by_id_or_by_title(job: JobScenario) -> None:
    second = job.client.post("/api/v2/jobs", json={"title": "Malware", "decisions": ["a", "b"],
                                                   "minutes_per_event": 2},
                             headers=job.headers).json()
    assert (job.job_id, second["job_id"]) == (1, 2)
    by_title = job.client.get("/api/v2/jobs/Malware", headers=job.headers).json()
    by_id = job.client.get("/api/v2/jobs/2", headers=job.headers).json()
    assert by_title == by_id and by_id["minutes_per_event"] == 2.0
    assert by_id["decisions"] == ["a", "b"] and by_id["all_model_ids"] == []
    listed = job.client.get("/api/v2/jobs", headers=job.headers).json()
    assert [j["job_id"] for j in listed] == [1, 2]


@pytest.mark.parametrize("body, fragment", [
    ({"title": "Phishing triage", "decisions": ["a", "b"]}, "already exists"),
    ({"title": "One", "decisions": ["a"]}, "2 to 50 decisions"),
    ({"title": "Many", "decisions": [f"d{i}" for i in range(51)]}, "2 to 50 decisions"),
    ({"title": "Twice", "decisions": ["a", "a"]}, "distinct"),
    ({"title": "Slow", "decisions": ["a", "b"], "minutes_per_event": -1}, "minutes_per_event"),
])
def test_an_invalid_or_duplicate_job_is_refused_naming_why(job: JobScenario,
                                                           body: dict[str, Any],
                                                           fragment: str) -> None:
    head = job.head()
    answer = job.client.post("/api/v2/jobs", json=body, headers=job.headers)
    assert answer.status_code in (400, 409) and fragment in answer.json()["error"]
    assert job.head() == head


def test_a_batch_is_one_domain_event_and_resending_it_is_a_no_op(job: JobScenario) -> None:
    head = job.head()
    batch = [event(f"e{i}", fields={"n": i}) for i in range(100)]
    first = job.send_events(batch)
    assert job.head() == head + 1 and first["accepted"] == 100
    assert first["event_ids"] == [f"e{i}" for i in range(100)]
    again = job.send_events(batch)
    assert again == first and job.head() == head + 1
    assert job.metrics()["total_events"] == 100


def test_a_batch_id_makes_a_batch_of_new_events_safe_to_resend(job: JobScenario) -> None:
    head = job.head()
    batch = [{"decision": "Drop", "fields": {"n": i}} for i in range(10)]
    first = job.send_events(batch, batch_id="alerts-0001")
    assert len(set(first["event_ids"])) == 10
    assert all(uuid.UUID(event_id) for event_id in first["event_ids"])
    assert job.send_events(batch, batch_id="alerts-0001") == first
    assert job.head() == head + 1 and job.metrics()["total_events"] == 10


def test_identical_events_without_ids_or_batch_id_are_new_events_each_time(
        job: JobScenario) -> None:
    alert = [{"decision": "Drop", "fields": {"rule": "same alert"}}]
    first = job.send_events(alert)
    second = job.send_events(alert)
    assert first["event_ids"] != second["event_ids"]
    assert job.metrics()["total_events"] == 2


def test_a_batch_id_used_again_for_other_events_is_409_and_appends_nothing(
        job: JobScenario) -> None:
    job.send_events([event("e1", "Drop")], batch_id="nightly")
    head = job.head()
    answer = job.client.post(f"/api/v2/jobs/{job.job_id}/events",
                             json={"events": [event("e2", "Drop")], "batch_id": "nightly"},
                             headers=job.headers)
    assert answer.status_code == 409 and "nightly" in answer.json()["error"]
    assert job.head() == head


def test_a_resent_event_id_replaces_its_decision_and_keeps_its_feedback(job: JobScenario
                                                                        ) -> None:
    job.send_events([event("e1", "Drop")])
    job.feedback("e1", "Escalate", "alice")
    job.send_events([event("e1", "Escalate")], batch_id="correction")
    metrics = job.metrics()
    assert metrics["total_events"] == 1 and metrics["overall_accuracy"] == 1.0
    assert metrics["confusion_matrix"][2] == [0, 0, 1]


@pytest.mark.parametrize("events, fragment", [
    ([event("a", "Ignore")], "decision 'Ignore' is not one of"),
    ([event("a", timestamp="yesterday")], "'yesterday' is not an ISO 8601"),
    ([event("a"), event("a")], "appears more than once"),
    ([event("a", model_id="no-such-model")], "model_id 'no-such-model'"),
    ([event("a", confidence="high")], "events[0].confidence"),
    ([], "1 to 10000 records"),
    ([{"decision": "Drop"}] * 10_001, "1 to 10000 records; this one has 10001"),
    ([{"decision": "Drop", "colour": "red"}], "colour"),
    ([{"fields": {}}], "decision"),
])
def test_bad_events_are_a_400_naming_the_problem_and_append_nothing(
        job: JobScenario, events: list[dict[str, Any]], fragment: str) -> None:
    head = job.head()
    answer = job.client.post(f"/api/v2/jobs/{job.job_id}/events", json={"events": events},
                             headers=job.headers)
    assert answer.status_code == 400, answer.text
    assert fragment in str(answer.json()), answer.json()
    assert job.head() == head


def test_single_ingest_reads_the_decision_from_raw_body_and_export_round_trips(
        job: JobScenario) -> None:
    other = job.client.post("/api/v2/jobs", json={"title": "Copy", "decisions": DECISIONS},
                            headers=job.headers).json()
    raw = {"source": {"ip": "1.2.3.4"},
           "arcanna": {"result_label": "Escalate", "confidence": 0.9, "bucket_id": "b7"}}
    sent = job.client.post("/api/v1/events/", json={"job_id": 1, "raw_body": raw},
                           headers=job.headers)
    assert sent.status_code == 200 and sent.json()["status"] == "OK"
    assert sent.json()["job_id"] == 1 and sent.json()["ingest_timestamp"].endswith("Z")
    event_id = sent.json()["event_id"]
    exported = job.client.get(f"/api/v1/events/1/{event_id}/export", headers=job.headers).json()
    stored = exported["arcanna_event"]
    assert stored["source"] == {"ip": "1.2.3.4"}
    assert stored["arcanna"]["result_label"] == "Escalate"
    assert stored["arcanna"]["confidence"] == 0.9 and stored["arcanna"]["bucket_id"] == "b7"
    copied = job.client.post("/api/v1/events/", json={"job_id": other["title"],
                                                      "raw_body": stored},
                             headers=job.headers).json()
    again = job.client.get(f"/api/v1/events/2/{copied['event_id']}/export",
                           headers=job.headers).json()["arcanna_event"]
    assert again["source"] == stored["source"] and again["arcanna"]["result_label"] == "Escalate"
    missing = job.client.post("/api/v1/events/", json={"job_id": 1, "raw_body": {"x": 1}},
                              headers=job.headers)
    assert missing.status_code == 400 and "result_label" in missing.json()["error"]
    unknown = job.client.get(f"/api/v1/events/1/{uuid.uuid4()}/export", headers=job.headers)
    assert unknown.status_code == 404 and unknown.json()["error"] == "Event not found"


def test_feedback_counts_each_users_latest_label(job: JobScenario) -> None:
    job.send_events([event("e1", "Drop")])
    job.feedback("e1", "Escalate", "alice")
    job.feedback("e1", "Escalate", "bob")
    job.feedback("e1", "Drop", "carol")
    assert job.metrics()["confusion_matrix"][2] == [1, 0, 0]
    job.feedback("e1", "Drop", "alice")  # alice changes her mind: Drop 2, Escalate 1
    assert job.metrics()["confusion_matrix"][0] == [1, 0, 0]


def test_feedback_without_a_user_counts_as_the_credential_and_bad_feedback_is_refused(
        job: JobScenario) -> None:
    job.send_events([event("e1", "Drop")])
    url = f"/api/v2/events/{job.job_id}/e1/feedback"
    head = job.head()
    label = job.client.put(url, params={"feedback_label": "Ignore"}, headers=job.headers)
    assert label.status_code == 422
    assert label.json()["detail"][0]["loc"] == ["query", "feedback_label"]
    missing = job.client.put(url, headers=job.headers)
    assert missing.status_code == 422 and missing.json()["detail"][0]["type"] == "value_error"
    unknown = job.client.put(f"/api/v2/events/{job.job_id}/nope/feedback",
                             params={"feedback_label": "Drop"}, headers=job.headers)
    assert unknown.status_code == 404 and unknown.json()["error"] == "Event not found"
    no_job = job.client.put("/api/v2/events/99/e1/feedback", params={"feedback_label": "Drop"},
                            headers=job.headers)
    assert no_job.status_code == 404 and no_job.json()["error"] == "Job not found"
    assert job.head() == head
    ok = job.client.put(url, params={"feedback_label": "Drop"}, headers=job.headers)
    assert ok.status_code == 200 and ok.json()["status"] == "OK"
    assert job.metrics()["total_events_with_consensus"] == 1


def test_training_captures_the_knowledge_base_and_names_a_new_active_model(
        job: JobScenario) -> None:
    job.send_events([event("e1"), event("e2"), event("e3")])
    job.feedback("e1", "Drop", "alice")
    job.feedback("e2", "Escalate", "alice")
    model_id = job.train()
    assert re.fullmatch(r"phishing-triage-1-model-\d{10}", model_id)
    metrics = job.metrics()
    assert metrics["active_model_id"] == model_id and metrics["all_model_ids"] == [model_id]
    assert metrics["total_events_in_knowledge_base"] == 2
    second = job.train()
    assert second != model_id and job.metrics()["all_model_ids"] == [model_id, second]
    job.send_events([event("e4")])
    exported = job.client.get("/api/v1/events/1/e4/export", headers=job.headers).json()
    assert exported["arcanna_event"]["arcanna"]["model_id"] == second


def test_scopes_are_listed_expanded_and_enforced(job: JobScenario, org: str) -> None:
    admin = job.client.get("/api/v2/token/scopes", headers=job.headers).json()
    assert {"read:job_metrics", "execute:recompute_model_metrics", "write:event_feedback",
            "execute:job_operations", "read:event_export", "write:events"} <= set(admin)
    viewer = job.client.get("/api/v2/token/scopes",
                            headers=bearer(org, "organization:viewer")).json()
    assert "read:job_metrics" in viewer and "write:events" not in viewer
    reader = bearer(org, "read:job_metrics")
    assert job.client.post("/api/v2/metrics/job?job_id=1", json={},
                           headers=reader).status_code == 200
    refused = job.client.post("/api/v2/jobs/1/train", headers=reader)
    assert refused.status_code == 403 and "execute:job_operations" in refused.json()["error"]
    no_credential = job.client.post("/api/v2/metrics/job?job_id=1", json={})
    assert no_credential.status_code == 401 and no_credential.json()["error"]
    health = job.client.get("/api/v2/health/")
    assert health.json() == {"status": "OK", "reason": "", "reason_details": ""}


@pytest.mark.parametrize("reference", ["99999999999999999999999", "\u00b2", "No such title"])
def test_an_odd_job_reference_is_simply_not_found(job: JobScenario, reference: str) -> None:
    answer = job.client.post("/api/v2/metrics/job", params={"job_id": reference}, json={},
                             headers=job.headers)
    assert answer.status_code == 404 and answer.json()["error"] == "Job not found"
    assert job.client.post(f"/api/v2/jobs/{reference}/train",
                           headers=job.headers).status_code == 404


def test_another_organizations_job_is_not_found(job: JobScenario) -> None:
    stranger = bearer(str(uuid.uuid4()))
    assert job.client.get("/api/v2/jobs/1", headers=stranger).status_code == 404
    answer = job.client.post("/api/v2/metrics/job?job_id=1", json={}, headers=stranger)
    assert answer.status_code == 404 and answer.json()["error"] == "Job not found"
    assert job.client.post("/api/v2/jobs/1/events", json={"events": [event("x")]},
                           headers=stranger).status_code == 404


@pytest.mark.parametrize("body, fragment", [
    ({"filters": [{"field": "port", "operator": "resembles", "value": 1}]}, "Unknown operator"),
    ({"filters": [{"field": "port", "operator": "is", "value": [1, 2]}]}, "a list needs"),
    ({"filters": [{"field": "port", "operator": "gt"}]}, "Missing value in filter 0"),
    ({"filters": [{"field": "port", "operator": "is one of", "value": 3}]}, "must be a list"),
    ({"filters": [{"field": "timestamp", "operator": "gt", "value": "soon"}]}, "'soon'"),
    ({"filters": [{"field": "a..b", "operator": "is", "value": "x"}]}, "dotted path"),
    ({"filters": "all"}, "filters"),
    ({"filters": [{"field": "port", "operator": "lt", "value": 10**30}]}, "below 2^63"),
])
def test_bad_filters_are_a_400_naming_the_filter(job: JobScenario, body: dict[str, Any],
                                                 fragment: str) -> None:
    answer = job.client.post("/api/v2/metrics/job?job_id=1", json=body, headers=job.headers)
    assert answer.status_code == 400 and fragment in str(answer.json()), answer.text


@pytest.mark.parametrize("query, name", [
    ("start_datetime=2025-13-01", "start_datetime"),
    ("end_datetime=tomorrow", "end_datetime"),
    ("start_datetime=2025-02-01&end_datetime=2025-01-01", "end_datetime"),
])
def test_malformed_datetimes_are_a_422_naming_the_parameter(job: JobScenario, query: str,
                                                            name: str) -> None:
    answer = job.client.post(f"/api/v2/metrics/job?job_id=1&{query}", json={},
                             headers=job.headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", name]


def test_an_offset_whose_plus_arrived_as_a_space_still_parses(job: JobScenario) -> None:
    job.send_events([event("e1")])
    answer = job.client.post(
        "/api/v2/metrics/job?job_id=1&start_datetime=2025-01-01T11:00:00 02:00", json={},
        headers=job.headers)
    assert answer.status_code == 200 and answer.json()["start_time"] == "2025-01-01T09:00:00Z"
    assert answer.json()["total_events"] == 1


@pytest.mark.parametrize("path", [
    "/api/v2/jobs?min_position=soon",
    "/api/v2/metrics/model?job_id=1&min_position=-1",
])
def test_a_malformed_min_position_is_a_422_with_the_seeds_detail_list(
        job: JobScenario, path: str) -> None:
    answer = job.client.get(path, headers=job.headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["query", "min_position"]


def test_job_and_latest_model_waits_for_min_position(job: JobScenario) -> None:
    job.container.wake_projections = lambda: None  # nothing catches up on its own here
    sent = job.send_events([event("e1", "Drop")])
    impatient(job.container, 0.2)
    url = f"/api/v2/metrics/job_and_latest_model?job_id={job.job_id}"

    late = job.client.post(f"{url}&min_position={sent['position']}", headers=job.headers)
    assert late.status_code == 503

    job.container.engine.catch_up_all(60)
    fresh = job.client.post(f"{url}&min_position={sent['position']}", headers=job.headers)
    assert fresh.status_code == 200 and fresh.json()["total_events"] == 1
