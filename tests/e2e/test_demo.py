"""`perfledger demo` leaves a new user three models and a job with metrics to look at."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.projections.catalog.queries import models_per_organization
from tests.conftest import SECRET, bearer, eager_container, serving
from tests.e2e.dashboard_support import ORG, LoadedDemo, copy_of


@pytest.fixture
def demo(backend: str, demo_loads: Callable[[str], LoadedDemo], tmp_path: Path
         ) -> Iterator[tuple[LoadedDemo, TestClient[Any]]]:
    """The demo's run (once per session on `backend`; the dashboard's tests serve it too),
    and a client of the service over a copy of the store it loaded."""
    loaded = demo_loads(backend)
    with copy_of(loaded, tmp_path / "data") as settings:
        container = eager_container(settings)
        try:
            with serving(container) as client:
                yield loaded, client
        finally:
            container.close()


def test_the_demo_loads_models_whose_summaries_answer(
        demo: tuple[LoadedDemo, TestClient[Any]]) -> None:
    loaded, client = demo
    done = loaded.done
    assert done.returncode == 0, done.stderr

    paths = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("/")]
    assert len(paths) == 3
    for path in paths:
        answer = client.get(path, params={"dataset_split": "test"}, headers=bearer(ORG))
        assert answer.status_code == 200, answer.text
        assert answer.json()["labeled_count"] >= 2000
        assert 0.5 < (answer.json()["metrics"].get("accuracy") or
                      answer.json()["metrics"]["r_squared"]) < 1.0
    job_path = next(line.split()[1] for line in done.stdout.splitlines()
                    if line.strip().startswith("POST /api/v2/metrics/job"))
    job = client.post(job_path, json={}, headers=bearer(ORG)).json()
    assert job["total_events"] == 6000 and len(job["all_model_ids"]) == 2
    assert job["total_events_with_consensus"] == 1200
    assert 0.5 < job["overall_accuracy"] < 1.0

    # Step: the month of production traffic shows the drift, where it is, and the challenger.
    queries = {line.split()[1].split("/performance/")[1].split("?")[0]: line.split()[1]
               for line in done.stdout.splitlines()
               if line.strip().startswith("GET ") and "/performance/" in line}
    series = client.get(queries["timeseries"], headers=bearer(ORG)).json()["points"]
    accuracy = [p["metrics"]["accuracy"] for p in series if p["labeled_count"] >= 20]
    assert max(accuracy[-5:]) < min(accuracy[:-8])  # apac's last week is worse than before
    # the newest and oldest days with rows (the bucket holding now may have none yet, just
    # after midnight UTC)
    populated = [p for p in series if p["sample_count"]]
    assert populated[-1]["label_coverage"] < 0.5 < populated[0]["label_coverage"]
    assert populated[0]["label_delay_seconds"]["p50"] > 20 * 86400
    segments = client.get(queries["segments"], headers=bearer(ORG)).json()["segments"]
    assert segments[0]["value"] == "apac"
    duel = client.get(queries["compare"], headers=bearer(ORG)).json()
    assert duel["shared_rows"] > 8000 and duel["delta"]["accuracy"] > 0
    assert duel["tests"]["accuracy"]["p_value"] < 0.001

    # Step: of the two monitors, the one on the drifting region has fired, in its last week.
    alerts_path = next(line.split()[1] for line in done.stdout.splitlines()
                       if line.strip().startswith("GET ") and "/alerts" in line)
    alerts = client.get(alerts_path, headers=bearer(ORG)).json()
    assert alerts and {alert["monitor_name"] for alert in alerts} == {
        "daily accuracy in apac"}
    assert all(alert["state"] == "open" for alert in alerts)
    drifting = {point["start"] for point in series[-8:]}
    assert {alert["bucket_start"] for alert in alerts} <= drifting


def test_the_demo_run_again_loads_nothing_and_says_where_its_models_are(
        backend: str, demo_loads: Callable[[str], LoadedDemo], tmp_path: Path) -> None:
    loaded = demo_loads(backend)
    with copy_of(loaded, tmp_path / "data") as settings:
        env = {**os.environ, "PERFLEDGER_DATA_DIR": str(settings.storage.data_dir),
               "PERFLEDGER_JWT_SECRET": SECRET}
        env.pop("PERFLEDGER_DATABASE_URL", None)
        if settings.storage.database_url:
            env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
        again = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "demo", "--org", ORG],
                               env=env, capture_output=True, text=True, timeout=300)
        container = eager_container(settings)
        try:
            counted = models_per_organization(container.database)
        finally:
            container.close()

    assert again.returncode == 0, again.stderr
    assert f"The demo is in organization {ORG} already; nothing was loaded" in again.stdout
    first_paths = [line.strip() for line in loaded.done.stdout.splitlines()
                   if line.strip().startswith("/")]
    assert [line.strip() for line in again.stdout.splitlines()
            if line.strip().startswith("/")] == first_paths
    assert counted[ORG] == 3
