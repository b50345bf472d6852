"""Recompute requests: queued, taken up by the scheduler's job, completed, failed, retried."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from perfledger.api.settings import Settings
from perfledger.projections.performance.recompute import recompute_cached
from perfledger.scheduler import tasks
from tests.conftest import bearer
from tests.integration.test_crash_and_rebuild import service_env
from tests.scenario import Scenario
from tests.waiting import wait_for

ABANDON_SCRIPT = Path(__file__).with_name("abandon_recompute.py")


@pytest.fixture
def binary(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    scenario.send_predictions("v1", [
        {"row_id": f"r{i}", "predicted_label": "yes" if i % 3 else "no",
         "true_label": "yes" if i % 2 else "no"} for i in range(30)])
    scenario.catch_up()
    return scenario


def run_job(s: Scenario) -> int:
    context = tasks.TaskContext(s.container.engine, s.container.ledger, s.container.positions)
    return tasks.process_recompute_requests(context)


def status(s: Scenario, request_id: str) -> dict[str, Any]:
    s.catch_up()
    answer = s.client.get(f"/api/v1/recompute-requests/{request_id}", headers=s.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ask(s: Scenario, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = s.post("/performance/recompute", body or {})
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def test_a_request_goes_from_queued_to_completed_with_its_outcome(binary: Scenario) -> None:
    asked = ask(binary, {"version_id": "v1", "dataset_split": "test"})
    assert asked["status"] == "queued" and asked["requested_at"].endswith("Z")
    assert status(binary, asked["request_id"])["status"] == "queued"

    assert run_job(binary) == 1

    done = status(binary, asked["request_id"])
    assert done["status"] == "completed" and done["attempts"] == 1
    assert done["outcome"] == {"series": [{"version_id": "v1", "dataset_split": "test",
                                           "matched": True, "labeled_count": 30}],
                               "drifted": 0}
    assert run_job(binary) == 0


def test_a_drifted_cache_is_reported_and_repaired(binary: Scenario) -> None:
    before = binary.summary()["metrics"]
    with binary.container.database.transaction() as tx:
        tx.execute("UPDATE perf_summaries_g1 SET metrics = ?", ('{"accuracy":0.0}',))
    asked = ask(binary)

    run_job(binary)

    assert status(binary, asked["request_id"])["outcome"]["drifted"] == 1
    assert binary.summary()["metrics"] == before


def test_a_duplicate_while_pending_answers_the_pending_request(binary: Scenario) -> None:
    first = ask(binary, {"dataset_split": "test"})
    head = binary.head()
    again = ask(binary, {"dataset_split": "test"})
    assert again["request_id"] == first["request_id"] and again["position"] is None
    assert binary.head() == head
    other_scope = ask(binary, {"dataset_split": "production"})
    assert other_scope["request_id"] != first["request_id"]

    run_job(binary)

    after = ask(binary, {"dataset_split": "test"})
    assert after["request_id"] != first["request_id"] and after["status"] == "queued"


def test_a_failure_is_recorded_with_its_reason(binary: Scenario,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "recompute_cached", broken)
    asked = ask(binary)
    run_job(binary)
    failed = status(binary, asked["request_id"])
    assert failed["status"] == "failed" and "disk on fire" in failed["error"]
    assert ask(binary)["request_id"] != asked["request_id"]


def test_a_request_abandoned_by_a_killed_worker_is_taken_up_again(
        binary: Scenario, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked = ask(binary)
    marker = tmp_path / "frozen"
    worker = subprocess.Popen([sys.executable, str(ABANDON_SCRIPT), str(marker)],
                              env=service_env(settings))
    wait_for(lambda: marker.exists() or worker.poll() is not None, "the worker to freeze")
    assert worker.poll() is None, "the worker ended before freezing"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert status(binary, asked["request_id"])["status"] == "in_progress"
    assert run_job(binary) == 0  # not stuck long enough yet

    monkeypatch.setattr(tasks, "STUCK_AFTER", timedelta(0))
    assert run_job(binary) == 1

    done = status(binary, asked["request_id"])
    assert done["status"] == "completed" and done["attempts"] == 2


def test_unknown_requests_models_and_versions_are_404(binary: Scenario, org: str) -> None:
    assert binary.client.get(f"/api/v1/recompute-requests/{uuid.uuid4()}",
                             headers=binary.headers).status_code == 404
    assert binary.post("/performance/recompute", {"version_id": "v9"}).status_code == 404
    asked = ask(binary)
    stranger = bearer(str(uuid.uuid4()))
    assert binary.client.get(f"/api/v1/recompute-requests/{asked['request_id']}",
                             headers=stranger).status_code == 404
    assert binary.client.post(f"/api/v1/models/{binary.model_id}/performance/recompute",
                              json={}, headers=stranger).status_code == 404
    assert binary.post("/performance/recompute", {"dataset_split": "holdout"}
                       ).status_code == 400


def test_a_recompute_waits_for_a_catch_up_that_is_settling(binary: Scenario) -> None:
    """A settle holds the projection's lock like a page does: a recompute that starts while
    a catch-up has written a series' summary, not yet committed, waits and then replaces it
    (it once inserted beside it and failed with a duplicate key)."""
    engine = binary.container.engine
    projection = engine.projections["performance"]
    written, release = threading.Event(), threading.Event()
    settle = projection.settle

    def settle_then_hold(*args: Any) -> None:
        settle(*args)
        written.set()
        release.wait(30)

    binary.container.wake_projections = lambda: None
    binary.send_predictions("v1", [{"row_id": "late", "predicted_label": "no",
                                    "true_label": "no"}])
    projection.settle = settle_then_hold  # type: ignore[method-assign]
    failures: list[BaseException] = []

    def run(work: Callable[[], Any]) -> threading.Thread:
        def guarded() -> None:
            try:
                work()
            except BaseException as error:
                failures.append(error)
        thread = threading.Thread(target=guarded)
        thread.start()
        return thread

    catching_up = run(lambda: engine.catch_up("performance", 60))
    assert written.wait(30)
    recomputing = run(lambda: recompute_cached(engine, binary.model_id, None, None))
    recomputing.join(0.5)
    release.set()
    catching_up.join(30)
    recomputing.join(30)
    assert failures == []
    assert binary.summary()["labeled_count"] == 31
