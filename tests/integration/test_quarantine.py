"""A poison event (here one recorded before the caps existed) is quarantined: every other
organization's reads go on, `/health` and `perfledger projections` show it, and after a fix
`perfledger projections retry` applies it in log order."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.api.cli import main
from perfledger.domain import limits
from perfledger.domain.aggregate import acting
from perfledger.domain.jobs.aggregates import EventFeedback, Job, JobEventBatch
from perfledger.domain.performance.batches import PredictionBatch
from perfledger.projections.quarantine import live_quarantine
from tests.conftest import bearer
from tests.integration.test_crash_and_rebuild import service_env
from tests.scenario import Scenario


def poison_batch(scenario: Scenario, row_id: str, batch_id: str = "old") -> None:
    """Appends, bypassing the command's checks, a batch as an older release recorded it."""
    model_id = uuid.UUID(scenario.model_id)
    organization = scenario.container.ledger.get_model(
        _caller_of(scenario), model_id).organization_id
    rows = [row_id, "fine"]
    with acting("an older release"):
        batch = PredictionBatch(
            organization, model_id, "v1", "test", batch_id, rows, ["yes", "no"], ["yes", "no"],
            [0.9, 0.2], [], [None, None], [None, None], [None, None], [None, None], [None, None],
            [None, None])
    scenario.container.ledger.save(batch)


def _caller_of(scenario: Scenario) -> Any:
    from perfledger.domain.values import Caller

    token = scenario.headers["Authorization"].split()[1]
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    return Caller(claims["org"])


@pytest.fixture
def org_a(scenario: Scenario) -> Scenario:
    scenario.create_model(name="a", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    return scenario


@pytest.fixture
def org_b(client: TestClient[Any], container: Container) -> Scenario:
    other = Scenario(client, container, bearer(str(uuid.uuid4())))
    other.create_model(name="b", task="binary_classification", labels=["no", "yes"])
    other.trained_version()
    return other


def test_a_poison_event_is_quarantined_and_every_other_tenant_reads_on(
    org_a: Scenario, org_b: Scenario
) -> None:
    poison_batch(org_a, "x" * 10_240)
    # Step: another organization writes after it, and reads its write within the wait.
    sent = org_b.send_predictions("v1", [{"row_id": "r", "predicted_label": "yes",
                                          "true_label": "yes"}])
    answer = org_b.get("/performance/summary", min_position=sent["position"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["labeled_count"] == 1
    # Step: the poison is set aside, named, and counted where operators look.
    [entry] = live_quarantine(org_a.container.database)
    assert entry.name == "performance" and "PredictionBatch" in entry.topic
    assert entry.organization_id == _caller_of(org_a).organization_id
    assert "row_id" in entry.error
    health = org_b.client.get("/health").json()
    assert health == {"status": "ok", "quarantined_events": 1, "waiting_queries": 0,
                      "database": "up"}
    engine = org_a.container.engine
    assert engine.visible_position(list(engine.projections)) == engine.log.head()


def poison_job_events(client: TestClient[Any], container: Container, headers: dict[str, str],
                      caller: Any, field: str) -> None:
    """A v2 batch, or an analyst's feedback, as an older release recorded it: 10 KB keys."""
    job_id = client.post("/api/v2/jobs", json={"title": "t", "decisions": ["a", "b"]},
                         headers=headers).json()["job_id"]
    job_key = Job.create_id(caller.organization_id, job_id)
    huge = "z" * 10_240
    if field == "user":
        sent = client.post(f"/api/v2/jobs/{job_id}/events",
                           json={"events": [{"event_id": "e", "decision": "a"}]}, headers=headers)
        assert sent.status_code == 202
        container.ledger.save(EventFeedback(caller.organization_id, job_key, "e", huge, "a"))
        return
    container.ledger.save(JobEventBatch(
        caller.organization_id, job_key, "old", "c", [huge if field == "event_id" else "e"],
        [0], ["a"], [None], [None], [huge if field == "bucket_id" else None], [{}]))


@pytest.mark.parametrize("field", ["event_id", "bucket_id", "user"])
def test_a_poison_v2_event_is_quarantined_by_the_jobs_projection(
    org_a: Scenario, org_b: Scenario, field: str
) -> None:
    poison_job_events(org_a.client, org_a.container, org_a.headers, _caller_of(org_a), field)
    sent = org_b.send_predictions("v1", [{"row_id": "r", "predicted_label": "yes",
                                          "true_label": "yes"}])
    answer = org_b.get("/performance/summary", min_position=sent["position"])
    assert answer.status_code == 200, answer.text
    [entry] = live_quarantine(org_a.container.database)
    assert entry.name == "jobs" and field in entry.error
    jobs = org_b.client.get("/api/v2/jobs", headers=org_b.headers,
                            params={"min_position": sent["position"]})
    assert jobs.status_code == 200


def test_retry_applies_a_quarantined_event_after_the_cap_is_raised(
    org_a: Scenario, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    poison_batch(org_a, "y" * 1_000)
    org_a.send_predictions("v1", [{"row_id": "later", "predicted_label": "no",
                                   "true_label": "no"}])
    assert org_a.summary()["labeled_count"] == 1
    settings = org_a.container.settings
    for name, value in service_env(settings).items():
        monkeypatch.setenv(name, value)
    main(["projections"])
    listed = capsys.readouterr().out
    assert "performance" in listed and "quarantined performance position" in listed
    assert "perfledger projections retry NAME" in listed
    # Step: a retry before the cause is fixed leaves the event where it was.
    main(["projections", "retry", "performance"])
    assert "1 still quarantined" in capsys.readouterr().out
    # Step: the operator raises the cap, then asks for the retry.
    monkeypatch.setattr(limits, "MAX_KEY_BYTES", 2_000)
    main(["projections", "retry", "performance"])
    assert "0 still quarantined" in capsys.readouterr().out
    org_a.container.engine.positions.refresh()
    assert live_quarantine(org_a.container.database) == []
    assert org_a.summary()["labeled_count"] == 3


def test_a_stuck_projection_holds_back_only_the_queries_that_read_it(
    org_a: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    performance = org_a.container.engine.projections["performance"]

    def stuck(*_: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")  # the database's fault: retried

    monkeypatch.setattr(performance, "apply", stuck)
    created = org_a.post("/versions", {"version_id": "v2"})
    assert created.status_code == 201
    history = org_a.get("/history", min_position=created.json()["position"])
    assert history.status_code == 200, history.text
    assert history.json()[-1]["type"] == "VersionCreated"
    assert live_quarantine(org_a.container.database) == []
