"""Job metrics match scikit-learn on the same events, with every range, filter and model."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from perfledger.api.settings import Settings
from tests.conftest import loaded_once, served_again
from tests.job_oracle import assert_same_metrics, expected_metrics, iso
from tests.jobs_scenario import JobScenario

DECISIONS = ["Drop", "Investigate", "Escalate"]
USERS = ["alice", "bob", "carol", "dave"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def make_events(rng: random.Random, first: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    events = []
    for i in range(first, first + count):
        fields: dict[str, Any] = {
            "source": {"ip": f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 9)}"},
            "port": rng.choice([22, 80, 443, 8080]),
            "score": round(rng.random(), 3),
            "user": rng.choice(["alice", "bob", "malik", "li"]),
            "flag": rng.random() < 0.5,
        }
        if rng.random() < 0.6:
            fields["note"] = rng.choice(["seen before", "new sender"])
        if rng.random() < 0.2:
            fields["nullable"] = None
        event = {"event_id": f"ev-{i:04d}", "decision": rng.choice(DECISIONS),
                 "timestamp": iso(START + timedelta(seconds=rng.randint(0, 3 * 86400))),
                 "fields": fields, **extra}
        if rng.random() < 0.5:
            event["bucket_id"] = f"b{rng.randint(1, 6)}"
        events.append(event)
    return events


def give_feedback(s: JobScenario, rng: random.Random, event_ids: list[str]) -> None:
    for event_id in event_ids:
        for user in rng.sample(USERS, rng.randint(1, 3)):
            s.feedback(event_id, rng.choice(DECISIONS), user)


def load_job(s: JobScenario) -> JobScenario:
    """Two trainings, three eras of events, ties, and feedback changed after each training."""
    rng = random.Random(5)
    s.create_job("Phishing triage", DECISIONS, minutes_per_event=1.5)
    # Step: events before any model, some with feedback, one tie.
    first = make_events(rng, 0, 120)
    s.send_events(first[:70])
    s.send_events(first[70:])
    give_feedback(s, rng, [f"ev-{i:04d}" for i in range(0, 120, 3)])
    s.feedback("ev-0001", "Drop", "alice")
    s.feedback("ev-0001", "Escalate", "bob")  # a tie: the most recent label wins
    # Step: the first training, then events it decides, and changed minds on its knowledge base.
    model_1 = s.train()
    s.send_events(make_events(rng, 120, 80))
    give_feedback(s, rng, [f"ev-{i:04d}" for i in range(120, 200, 4)])
    for event_id in ("ev-0003", "ev-0006", "ev-0009", "ev-0012", "ev-0015"):
        s.feedback(event_id, "Investigate", "zed")
        s.feedback(event_id, "Investigate", "yan")
    # Step: a second training; new events by the new model and some still by the first.
    s.train()
    s.send_events(make_events(rng, 200, 50))
    s.send_events(make_events(rng, 250, 30, model_id=model_1))
    give_feedback(s, rng, [f"ev-{i:04d}" for i in range(200, 280, 5)])
    for event_id in ("ev-0120", "ev-0124", "ev-0003"):
        for user in ("p", "q", "r"):
            s.feedback(event_id, "Escalate", user)
    return s


@pytest.fixture
def own_job(client: Any, container: Any, admin: dict[str, str]) -> JobScenario:
    """The job of `load_job`, this test's own: for the tests that add to it or rebuild it."""
    return load_job(JobScenario(client, container, admin))


@pytest.fixture(scope="module")
def loaded_job(module_settings: Settings) -> Iterator[JobScenario]:
    with loaded_once(module_settings, lambda *parts: load_job(JobScenario(*parts))) as job:
        yield job


@pytest.fixture
def job(loaded_job: JobScenario) -> Iterator[JobScenario]:
    """The job of `load_job`, loaded once per module and backend and shared by the tests that
    only read it (no query changes it)."""
    with served_again(loaded_job) as shared:
        yield shared


def check(job: JobScenario, filters: list[dict[str, Any]] | None = None,
          start: str | None = None, end: str | None = None) -> None:
    params = {k: v for k, v in (("start_datetime", start), ("end_datetime", end)) if v}
    actual = job.metrics(filters, **params)
    expected = expected_metrics(job.recorded, filters, start, end)
    assert_same_metrics(actual, expected, f"filters={filters} start={start} end={end}")
    assert expected["total_events"] > 0 or filters or start


def test_unfiltered_metrics_match_sklearn_with_no_range_and_with_ranges(job: JobScenario
                                                                        ) -> None:
    check(job)
    check(job, start="2025-01-01T05:17:00Z", end="2025-01-02T13:45:30Z")
    check(job, start="2025-01-01T05:05:00Z", end="2025-01-01T05:55:00Z")  # inside one hour
    check(job, start="2025-01-02T00:00:00Z")
    check(job, end="2025-01-01T18:00:00Z")
    check(job, start="2025-01-01T06:00:00Z", end="2025-01-01T09:00:00Z")  # whole hours only
    check(job, start="2030-01-01T00:00:00Z")  # no event in range


def test_the_tie_goes_to_the_most_recent_label_and_changed_consensus_is_reported(
        job: JobScenario) -> None:
    assert job.recorded.consensus("ev-0001") == "Escalate"
    actual = job.metrics([{"field": "arcanna.consensus", "operator": "is", "value": "Escalate"}])
    assert actual["total_events"] > 0
    changed = job.metrics()["changed_consensus_after_training"]
    assert changed["total_events"] >= 2 and changed["top_events_ids"][0] == "ev-0003"
    check(job, [{"field": "arcanna.consensus", "operator": "is", "value": "Escalate"}])


OPERATOR_CASES: list[dict[str, Any]] = [
    {"field": "arcanna.result_label", "operator": "is", "value": "Escalate"},
    {"field": "source.ip", "operator": "is", "value": "10.0.1.5"},
    {"field": "port", "operator": "is", "value": 443},
    {"field": "port", "operator": "is", "value": "443"},
    {"field": "flag", "operator": "is", "value": True},
    {"field": "arcanna.consensus", "operator": "is not", "value": "Drop"},
    {"field": "arcanna.result_label", "operator": "is one of", "value": ["Escalate", "Drop"]},
    {"field": "port", "operator": "is one of", "value": [22, 443]},
    {"field": "arcanna.consensus", "operator": "is not one of", "value": ["Escalate", "Drop"]},
    {"field": "source.ip", "operator": "starts with", "value": "10.0.1"},
    {"field": "user", "operator": "not starts with", "value": "a"},
    {"field": "user", "operator": "contains", "value": "li"},
    {"field": "source.ip", "operator": "not contains", "value": ".3"},
    {"field": "note", "operator": "exists"},
    {"field": "arcanna.consensus", "operator": "exists"},
    {"field": "note", "operator": "not exists"},
    {"field": "nullable", "operator": "not exists"},
    {"field": "score", "operator": "lt", "value": 0.5},
    {"field": "port", "operator": "lte", "value": 443},
    {"field": "timestamp", "operator": "gt", "value": "2025-01-02T00:00:00Z"},
    {"field": "arcanna.bucket_id", "operator": "gte", "value": "b4"},
    {"field": "arcanna.result_label", "operator": "lt", "value": "E"},
    {"field": "arcanna.knowledge_base_state", "operator": "is", "value": "in_kb"},
    {"field": "arcanna.knowledge_base_state", "operator": "is", "value": "new"},
    {"field": "arcanna.bucket_id", "operator": "exists"},
    {"field": "arcanna.result_label", "operator": "contains", "value": "scal"},
    {"field": "timestamp", "operator": "lte", "value": "2025-01-01T12:00:00Z"},
]


def test_each_filter_operator_matches_sklearn_on_the_filtered_events(job: JobScenario) -> None:
    for case in OPERATOR_CASES:
        check(job, [case])


def test_several_models_in_one_job_are_told_apart(job: JobScenario) -> None:
    first, second = job.recorded.models
    for model_id in (first, second):
        check(job, [{"field": "arcanna.model_id", "operator": "is", "value": model_id}])
    check(job, [{"field": "arcanna.model_id", "operator": "not exists"}])
    assert job.metrics()["active_model_id"] == second


def test_combined_filters_on_dotted_paths_and_a_range_match_sklearn(job: JobScenario) -> None:
    combined = [
        {"field": "arcanna.result_label", "operator": "is one of",
         "value": ["Escalate", "Investigate"]},
        {"field": "source.ip", "operator": "starts with", "value": "10.0."},
        {"field": "score", "operator": "gte", "value": 0.3},
    ]
    check(job, combined)
    check(job, combined, start="2025-01-01T07:30:00Z", end="2025-01-03T01:00:00Z")
    check(job, [{"field": "source.ip", "operator": "contains", "value": "0.2"},
                {"field": "arcanna.consensus", "operator": "exists"},
                {"field": "port", "operator": "is not", "value": 22}])


def test_resent_knowledge_base_events_move_to_their_new_time_and_bucket(own_job: JobScenario
                                                                         ) -> None:
    moved = [{"event_id": event_id, "decision": "Drop", "timestamp": "2025-01-03T22:10:00Z",
              "bucket_id": "b-moved", "fields": {"port": 1}}
             for event_id in ("ev-0003", "ev-0006", "ev-0120")]
    own_job.send_events(moved, batch_id="moved")
    own_job.feedback("ev-0006", "Drop", "late")
    check(own_job)
    check(own_job, start="2025-01-03T22:00:00Z")
    check(own_job, start="2025-01-01T00:30:00Z", end="2025-01-03T21:00:00Z")
    changed = own_job.metrics(start="2025-01-03T22:00:00Z")["changed_consensus_after_training"]
    assert "b-moved" in changed["top_buckets_ids"]


def test_a_rebuild_of_the_jobs_projection_matches_the_live_one(own_job: JobScenario) -> None:
    engine = own_job.container.engine
    before = own_job.metrics()
    assert engine.check_drift("jobs") == []
    generation = engine.rebuild("jobs")
    assert own_job.metrics() == before
    check(own_job, [{"field": "arcanna.knowledge_base_state", "operator": "is", "value": "in_kb"}])
    with own_job.container.database.transaction() as tx:
        tx.execute(f"UPDATE job_kb_counts_g{generation} SET n = n + 1")
    assert any(line.startswith("job_kb_counts") for line in engine.check_drift("jobs"))
