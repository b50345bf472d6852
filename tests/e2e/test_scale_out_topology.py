"""The docker-compose layout on one machine: API replicas and workers, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml

from tests.conftest import ADMIN_URL, bearer
from tests.e2e.conftest import Processes, listening_url, poll_summary, wait_healthy
from tests.waiting import wait_for

ROOT = Path(__file__).parents[2]


def leader_of(workers: list[tuple[subprocess.Popen[str], Path]]) -> subprocess.Popen[str]:
    def leader() -> subprocess.Popen[str] | None:
        return next((process for process, log in workers if process.poll() is None
                     and "now runs the scheduler tasks" in log.read_text()), None)

    found: subprocess.Popen[str] = wait_for(leader, "a worker to take the lead", step=0.1)
    return found


def test_replicas_and_workers_lose_and_double_nothing_when_the_leader_dies(
        processes: Processes, org: str) -> None:
    replicas = [processes.start(f"api{i}", "serve", "--no-scheduler", "--port", "0")
                for i in range(2)]
    urls = [listening_url(replica, processes.log_of(replica)) for replica in replicas]
    for url in urls:
        wait_healthy(url)
    for i in range(2):
        processes.start(f"worker{i}", "worker")
    workers = list(processes.running[2:])
    headers = bearer(org)
    model = httpx.post(f"{urls[0]}/api/v1/models", headers=headers, json={
        "name": "m", "task": "binary_classification", "labels": ["no", "yes"]}).json()
    base = f"/api/v1/models/{model['id']}/versions"
    httpx.post(f"{urls[1]}{base}", headers=headers, json={"version_id": "v1"})
    for status in ("training", "trained"):
        httpx.patch(f"{urls[0]}{base}/v1", headers=headers, json={"status": status})
    positions: list[int] = []

    def send(batch: int) -> None:
        records: list[dict[str, Any]] = [
            {"row_id": f"b{batch}-r{i}", "predicted_label": "yes" if i % 3 else "no",
             "true_label": "yes" if i % 2 else "no"} for i in range(250)]
        answer = httpx.post(f"{urls[batch % 2]}{base}/v1/predictions", headers=headers,
                            json={"dataset_split": "test", "records": records}, timeout=30)
        assert answer.status_code == 202, answer.text
        positions.append(answer.json()["position"])

    first_half = [threading.Thread(target=send, args=(b,)) for b in range(10)]
    for thread in first_half:
        thread.start()
    leader = leader_of(workers)
    os.kill(leader.pid, signal.SIGKILL)  # the leader dies mid-stream
    for thread in first_half:
        thread.join()
    for batch in range(10, 20):
        send(batch)

    summary = poll_summary(urls[1], model["id"], headers, positions[-1])  # the last, sent alone

    assert summary["sample_count"] == 5000 and summary["labeled_count"] == 5000
    assert summary["metrics"]["accuracy"] == pytest.approx(
        sum(1 for i in range(250) if (i % 3 != 0) == (i % 2 == 1)) / 250)


def test_the_compose_file_wires_postgres_api_replicas_and_workers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    # Services under a profile (monitoring) start only when asked for.
    assert {name for name, service in services.items() if "profiles" not in service} == {
        "postgres", "api", "worker"}
    assert all("healthcheck" in service for service in services.values())
    assert "serve --no-scheduler" in services["api"]["command"]
    assert services["worker"]["command"].rstrip("'\"").endswith("perfledger worker")
    env = services["api"]["environment"]
    assert env["PERFLEDGER_DATABASE_URL"].startswith("postgresql://")
    assert services["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["environment"] == env


def test_the_compose_postgres_settings_are_ones_postgresql_knows() -> None:
    """A misspelt setting, size or choice in the database's command stops its container at
    start (a choice this build of PostgreSQL lacks, too: lz4 is compiled in or not)."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())[
        "services"]["postgres"]["command"].split()
    assert command[0] == "postgres" and command[1::2] == ["-c"] * (len(command) // 2)
    settings = dict(argument.split("=", 1) for argument in command[2::2])
    assert settings, "the compose file sizes PostgreSQL for ingestion"
    with psycopg.connect(ADMIN_URL) as database:
        known = {name: (unit, choices) for name, unit, choices in database.execute(
            "SELECT name, unit, enumvals FROM pg_settings WHERE name = ANY(%s)",
            [list(settings)]).fetchall()}
        assert known.keys() == settings.keys()
        for name, value in settings.items():
            unit, choices = known[name]
            if choices is not None:
                assert value in choices, (name, value, choices)
                continue
            assert unit in ("8kB", "kB", "MB"), f"{name} is not a size"
            size = database.execute("SELECT pg_size_bytes(%s)", [value]).fetchone()
            assert size is not None and size[0] >= 2**30, (name, value)
