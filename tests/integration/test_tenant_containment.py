"""What one organization sends cannot slow, stop or reach another's: table bombs, heavy work,
project squatting, read-only recomputes, unbounded time travel, duplicates and filters."""

from __future__ import annotations

import io
import threading
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.api.heavy_work import HeavyWork
from perfledger.api.services import time_travel as time_travel_service
from perfledger.api.uploads.tables import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from perfledger.domain.limits import MAX_ENTRY_BYTES, MAX_FILTER_VALUES, MAX_FILTERS
from perfledger.projections.performance import time_travel
from tests.conftest import bearer
from tests.jobs_scenario import JobScenario
from tests.scenario import Scenario
from tests.v3 import create_model, create_project, model_body


def upload(client: TestClient[Any], headers: dict[str, str], name: str, content: bytes) -> str:
    answer = client.post("/v3/files/upload", files={"file": (name, content)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["id"])


def parquet(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    frame.to_parquet(sink, compression="zstd")
    return sink.getvalue()


def factory(client: TestClient[Any], headers: dict[str, str], file_id: str) -> Any:
    return client.post("/v3/model-factory", json={"file_id": file_id}, headers=headers)


# Table bombs.

def test_a_small_parquet_of_too_many_rows_is_refused_from_its_footer(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    bomb = parquet(pd.DataFrame({"x": np.zeros(MAX_TABLE_ROWS + 1, dtype=np.int8)}))
    assert len(bomb) < 100_000
    answer = factory(client, admin, upload(client, admin, "bomb.parquet", bomb))
    assert answer.status_code == 400, answer.text
    assert f"at most {MAX_TABLE_ROWS} rows" in answer.json()["error"]["message"]


def test_a_csv_of_too_many_columns_is_refused_from_its_header(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    header = ",".join(f"c{i}" for i in range(40_000))
    file_id = upload(client, admin, "wide.csv", (header + "\n" + "1," * 39_999 + "1\n").encode())
    answer = factory(client, admin, file_id)
    assert answer.status_code == 400
    assert f"at most {MAX_TABLE_COLUMNS} are read" in answer.json()["error"]["message"]


def test_publishing_a_file_of_more_rows_than_a_publish_takes_is_refused(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    project = create_project(client, admin)
    model = create_model(client, admin, model_body(project))
    rows = 100_001
    frame = pd.DataFrame({"row": [str(i) for i in range(rows)], "age": 30, "income": 1.0,
                          "score": 0.5})
    file_id = upload(client, admin, "rows.parquet", parquet(frame))
    head = container.engine.log.head()
    answer = client.post("/v3/events", json={"model_id": model["id"], "env_type": "PRODUCTION",
                                             "source": {"type": "FILE", "file_id": file_id}},
                         headers=admin)
    assert answer.status_code == 400 and "at most 100000" in answer.text
    assert container.engine.log.head() == head


def test_heavy_work_beyond_its_queue_is_503_and_queries_still_answer(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    file_id = upload(client, admin, "small.csv", b"a,b\n1,2\n")
    container.heavy.queue = 0  # every heavy call finds the queue full
    answer = factory(client, admin, file_id)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "busy" in answer.json()["error"]["message"]
    assert client.get("/v3/projects", headers=admin).status_code == 200


def test_the_heavy_pool_runs_at_most_its_workers_and_refuses_past_its_queue() -> None:
    import anyio

    from perfledger.api.heavy_work import Busy

    heavy = HeavyWork(workers=1, queue=1)
    release, running, peak = threading.Event(), [0], [0]

    def work() -> str:
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        release.wait(5)
        running[0] -= 1
        return "done"

    async def scenario() -> list[str]:
        results: list[str] = []
        async with anyio.create_task_group() as group:
            async def call() -> None:
                try:
                    results.append(await heavy.run("org", work))
                except Busy:
                    results.append("busy")

            for _ in range(3):
                group.start_soon(call)
                await anyio.sleep(0.05)
            release.set()
        return results

    assert sorted(anyio.run(scenario)) == ["busy", "done", "done"]
    assert peak[0] == 1


def test_an_organization_with_many_heavy_requests_waiting_delays_another_by_one_at_most(
) -> None:
    import anyio

    from perfledger.api.heavy_work import Busy

    heavy = HeavyWork(workers=1, queue=8)
    started: list[str] = []
    gate = threading.Semaphore(0)

    def work(name: str) -> str:
        started.append(name)
        gate.acquire(timeout=5)
        return name

    async def scenario() -> list[str]:
        refused: list[str] = []

        async def call(organization: str, name: str) -> None:
            try:
                await heavy.run(organization, work, name)
            except Busy as busy:
                refused.append(f"{name}: {busy}")

        async with anyio.create_task_group() as group:
            for n in range(6):  # one runs, four wait (half the queue), the sixth is refused
                group.start_soon(call, "greedy", f"greedy-{n}")
                await anyio.sleep(0.02)
            group.start_soon(call, "other", "other-0")
            await anyio.sleep(0.02)
            for _ in range(6):
                gate.release()
                await anyio.sleep(0.05)
        return refused

    refused = anyio.run(scenario)
    assert refused == ["greedy-5: The service is busy with 4 of this organization's heavy"
                       " requests (file reads, archives, row windows, time travel) already"
                       " waiting; retry in 5 s"]
    assert started == ["greedy-0", "other-0", "greedy-1", "greedy-2", "greedy-3", "greedy-4"]


def test_a_heavy_request_that_goes_away_while_waiting_leaves_the_turns_as_they_were() -> None:
    import anyio

    heavy = HeavyWork(workers=1, queue=8)
    release = threading.Event()

    async def scenario() -> str:
        async with anyio.create_task_group() as group:
            group.start_soon(heavy.run, "org", release.wait, 5)
            await anyio.sleep(0.02)
            with anyio.move_on_after(0.05):  # the client goes away while it waits
                await heavy.run("org", lambda: "never")
            release.set()
        with anyio.fail_after(2):  # the one turn is free again, not lost or held
            return await heavy.run("other", lambda: "ran")

    assert anyio.run(scenario) == "ran"


# Project squatting.

def test_a_v1_model_cannot_be_filed_in_another_organizations_project(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    owner = create_project(client, admin, "owned")
    intruder = bearer(str(uuid.uuid4()))
    head = container.engine.log.head()
    for project_id in (owner, "not-a-uuid ' OR 1=1"):
        answer = client.post("/api/v1/models", headers=intruder, json={
            "name": "squat", "task": "regression", "project_id": project_id})
        assert answer.status_code == 404, answer.text
    assert container.engine.log.head() == head
    deleted = client.delete(f"/v3/projects/{owner}", headers=admin)
    assert deleted.status_code == 200, deleted.text


def test_a_v1_model_in_ones_own_project_keeps_it_from_being_deleted(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = create_project(client, admin, "mine")
    answer = client.post("/api/v1/models", headers=admin, json={
        "name": "m", "task": "regression", "project_id": project})
    assert answer.status_code == 201, answer.text
    deleted = client.delete(f"/v3/projects/{project}", headers=admin)
    assert deleted.status_code == 409 and "holds 1 model" in deleted.text


# Read-only credentials.

def test_a_read_only_credential_never_queues_a_recompute(
    client: TestClient[Any], container: Container, admin: dict[str, str], org: str
) -> None:
    job = JobScenario(client, container, admin)
    job.create_job("triage", ["a", "b"])
    job.send_events([{"event_id": "e1", "decision": "a"}])
    job.feedback("e1", "a", "ana")
    job.train()
    head = container.engine.log.head()
    for scope in ("read:job_metrics", "organization:viewer"):
        answer = client.post(f"/api/v2/metrics/job_and_latest_model?job_id={job.job_id}",
                             json={}, headers=bearer(org, scope))
        assert answer.status_code == 200, answer.text
        active = answer.json()["active_model_metrics"]
        assert active["is_recomputing_metrics"] is False
        assert active["last_recomputed_timestamp"] is None
    assert container.engine.log.head() == head
    allowed = bearer(org, "read:job_metrics", "execute:recompute_model_metrics")
    answer = client.post(f"/api/v2/metrics/job_and_latest_model?job_id={job.job_id}&timeout_s=30",
                         json={}, headers=allowed)
    assert answer.json()["active_model_metrics"]["last_recomputed_timestamp"] is not None


# Time travel.

@pytest.fixture
def traveller(scenario: Scenario) -> Scenario:
    scenario.create_model(name="tt", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    for batch in range(3):
        scenario.send_predictions("v1", [
            {"row_id": f"{batch}-{i}", "predicted_label": "yes", "true_label": "no",
             "score": 0.7} for i in range(10)])
    return scenario


def test_time_travel_is_bounded_before_it_reads_the_log(
    traveller: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time_travel, "MAX_TIME_TRAVEL_ROWS", 25)
    monkeypatch.setattr(time_travel_service, "summary_as_of", _never)
    answer = traveller.get("/performance/summary", as_of="2999-01-01")
    assert answer.status_code == 422 and answer.json()["extra"] == {"rows": 30, "limit": 25}


def test_time_travel_answers_come_from_a_cache_keyed_by_what_they_read(
    traveller: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = traveller.get("/performance/summary", as_of="2999-01-01")
    assert first.status_code == 200 and first.json()["sample_count"] == 30
    monkeypatch.setattr(time_travel_service, "summary_as_of", _never)
    again = traveller.get("/performance/summary", as_of="2998-06-01")  # reads the same events
    assert again.json() == first.json()
    monkeypatch.undo()
    traveller.send_predictions("v1", [{"row_id": "new", "predicted_label": "no",
                                       "true_label": "no"}])
    later = traveller.get("/performance/summary", as_of="2999-01-01")  # reads one batch more
    assert later.json()["sample_count"] == 31


def test_time_travel_runs_on_the_heavy_pool(traveller: Scenario) -> None:
    traveller.container.heavy.queue = 0
    answer = traveller.get("/performance/summary", as_of="2999-01-01")
    assert answer.status_code == 503 and "Retry-After" in answer.headers


def _never(*_: Any) -> Any:
    raise AssertionError("the log was replayed")


# Duplicates.

def publish_body(model_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"model_id": model_id, "env_type": "PRODUCTION",
            "source": {"type": "EVENTS", "events": events}}


def test_a_v3_publish_without_ids_sent_twice_appends_once(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    project = create_project(client, admin)
    body = model_body(project, event_id_col=None)
    model = create_model(client, admin, body)
    events = [{"age": 30 + i, "income": 1.0, "score": 0.4} for i in range(5)]
    first = client.post("/v3/events", json=publish_body(model["id"], events), headers=admin)
    head = container.engine.log.head()
    again = client.post("/v3/events", json=publish_body(model["id"], events), headers=admin)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert container.engine.log.head() == head


def test_identical_concurrent_publishes_all_get_the_first_answer(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    project = create_project(client, admin)
    model = create_model(client, admin, model_body(project))
    events = [{"row": f"r{i}", "age": 30, "income": 1.0, "score": 0.4} for i in range(50)]
    answers: list[Any] = []

    def send() -> None:
        answers.append(client.post("/v3/events", json=publish_body(model["id"], events),
                                   headers=admin))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [202] * 8, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1


# Filters and schemas.

@pytest.mark.parametrize(("filters", "fragment"), [
    ([{"field": "a", "operator": "exists"}] * (MAX_FILTERS + 1), f"at most {MAX_FILTERS}"),
    ([{"field": "a", "operator": "exists"}] * 1_500, f"at most {MAX_FILTERS}"),
    ([{"field": "a", "operator": "is one of", "value": list(range(70_000))}],
     f"at most {MAX_FILTER_VALUES} in all"),
    ([{"field": "a" * 2_000, "operator": "exists"}], "longer than"),
])
def test_filters_past_their_caps_are_400_not_500(
    client: TestClient[Any], container: Container, admin: dict[str, str],
    filters: list[dict[str, Any]], fragment: str,
) -> None:
    job = JobScenario(client, container, admin)
    job.create_job("triage", ["a", "b"])
    answer = client.post(f"/api/v2/metrics/job?job_id={job.job_id}", json={"filters": filters},
                         headers=admin)
    assert answer.status_code == 400, answer.text
    assert fragment in answer.json()["error"]


def test_a_schema_past_the_size_cap_is_refused(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    body = model_body(create_project(client, admin))
    body["schema"]["columns"].append({"name": "huge", "data_type": "category",
                                      "categories": [f"c{i:07d}" for i in range(1_100_000 // 9)]})
    head = container.engine.log.head()
    answer = client.post("/v3/models", json=body, headers=admin)
    assert answer.status_code == 400 and f"at most {MAX_ENTRY_BYTES}" in answer.text
    assert container.engine.log.head() == head
