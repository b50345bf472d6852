"""`perfledger serve` on PostgreSQL runs its scheduler in a worker process of its own: the
projections catch up there, its leadership and counts show on the server's /metrics, a
worker that dies is replaced, and a worker whose server dies stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from perfledger.api.settings import Settings
from tests.conftest import bearer
from tests.e2e.conftest import (
    Processes,
    listening_url,
    poll_summary,
    trained_binary_model,
    wait_healthy,
)
from tests.waiting import wait_for


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (a child that exited but was not reaped is gone)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split() if is_running(int(child))]
    return found


def is_running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def worker_of(server: subprocess.Popen[str]) -> int:
    def worker() -> int | None:
        spawned = [child for child in children_of(server.pid)
                   if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]
        return spawned[0] if spawned else None

    found: int = wait_for(worker, "the server's worker process to start", step=0.1)
    return found


def metric(url: str, name: str, **labels: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    wanted = name + ("{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}"
                     if labels else "")
    return next(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith(wanted + " "))


def send_batch(url: str, model_id: str, headers: dict[str, str], batch: int) -> int:
    records: list[dict[str, Any]] = [
        {"row_id": f"b{batch}-r{i}", "predicted_label": "yes" if i % 3 else "no",
         "true_label": "yes" if i % 2 else "no"} for i in range(100)]
    answer = httpx.post(f"{url}/api/v1/models/{model_id}/versions/v1/predictions",
                        headers=headers, json={"dataset_split": "test", "records": records},
                        timeout=30)
    assert answer.status_code == 202, answer.text
    return int(answer.json()["position"])


def test_the_scheduler_runs_in_a_worker_process_that_is_replaced_and_follows_its_server(
        processes: Processes, settings: Settings, org: str) -> None:
    if settings.storage.database_url is None:
        pytest.skip("on SQLite the scheduler runs in a thread of the server")
    server = processes.start("server", "serve", "--port", "0")
    url = listening_url(server, processes.log_of(server))
    wait_healthy(url)
    headers = bearer(org)
    model_id, _ = trained_binary_model(url, headers)
    worker = worker_of(server)

    summary = poll_summary(url, model_id, headers, send_batch(url, model_id, headers, 0))

    assert summary["sample_count"] == 100
    wait_for(lambda: metric(url, "perfledger_scheduler_leader") == 1,
             "the server to report its worker's leadership")
    wait_for(lambda: metric(url, "perfledger_catch_up_events_applied_total",
                            projection="performance") >= 1,
             "the server to count what its worker applied")

    os.kill(worker, signal.SIGKILL)
    replacement = wait_for(lambda: next((pid for pid in [worker_of(server)] if pid != worker),
                                        None), "a new worker process", step=0.2, timeout=60)
    summary = poll_summary(url, model_id, headers, send_batch(url, model_id, headers, 1))

    assert summary["sample_count"] == 200
    assert "exited with code -9" in processes.log_of(server).read_text()

    os.kill(server.pid, signal.SIGKILL)  # no chance to stop its worker
    killed = time.monotonic()
    wait_for(lambda: not is_running(replacement), "the orphaned worker to stop", timeout=30,
             step=0.02)
    # the operations guide promises a second; half of one more for a loaded test machine
    assert time.monotonic() - killed < 1.5


def test_serve_refuses_a_worker_process_without_postgresql(
        processes: Processes, settings: Settings) -> None:
    if settings.storage.database_url is not None:
        pytest.skip("PostgreSQL runs the worker process")
    run = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "serve", "--scheduler",
                          "process", "--port", "0"], env=processes.env, capture_output=True,
                         text=True, timeout=60)

    assert run.returncode != 0
    assert "--scheduler process needs PostgreSQL" in run.stderr


def leaving(stop: str, within: float) -> subprocess.CompletedProcess[str]:
    """A process with a thread that never ends (as a task stuck on the database), leaving
    through leave_after with the given stop."""
    script = ("import threading, time\n"
              "from perfledger.api.worker_process import leave_after\n"
              "threading.Thread(target=time.sleep, args=(3600,)).start()\n"
              f"leave_after(lambda: {stop}, {within})\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)


def test_a_worker_leaves_once_stopped_though_a_task_thread_is_stuck() -> None:
    started = time.monotonic()
    run = leaving("None", 30)

    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 20


def test_a_worker_whose_stop_hangs_leaves_at_the_deadline() -> None:
    started = time.monotonic()
    run = leaving("time.sleep(3600)", 1)

    assert run.returncode == 1, run.stderr
    assert time.monotonic() - started < 20
