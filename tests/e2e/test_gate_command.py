"""`perfledger gate` in a CI step: against a live server, it prints each threshold and value
and exits 0 when the gate passes, 1 when it fails, 2 when the service cannot answer."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.e2e.conftest import LiveServer
from tests.waiting import wait_for


def perfledger_gate(server: LiveServer, token: str, *arguments: str
                    ) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PERFLEDGER")}
    return subprocess.run(
        [sys.executable, "-m", "perfledger.api.cli", "gate", "--url", server.url,
         "--token", token, *arguments],
        capture_output=True, text=True, timeout=60, env=env)


def test_the_gate_command_exits_on_the_gates_verdict(live_server: LiveServer) -> None:
    # Step: a version whose test rows are right three times in four.
    token = live_server.first_token()
    http = httpx.Client(base_url=live_server.url, timeout=10,
                        headers={"Authorization": f"Bearer {token}"})
    model = http.post("/api/v1/models", json={"name": "churn", "task": "binary_classification",
                                              "labels": ["stay", "churn"]}).json()["id"]
    base = f"/api/v1/models/{model}"
    http.post(f"{base}/versions", json={"version_id": "v1"})
    for status in ("training", "trained"):
        http.patch(f"{base}/versions/v1", json={"status": status})
    sent = http.post(f"{base}/versions/v1/predictions", json={"dataset_split": "test", "records": [
        {"row_id": str(i), "predicted_label": "churn", "score": 0.8,
         "true_label": "stay" if i == 3 else "churn"} for i in range(4)]}).json()
    wait_for(lambda: http.get(f"{base}/performance/summary",
                              params={"min_position": sent["position"]}).status_code == 200,
             "the summary")

    # Step: a gate it meets, and one it misses.
    passed = perfledger_gate(live_server, token, "--model", model, "--min", "accuracy=0.7",
                             "--max", "log_loss=5")
    assert passed.returncode == 0, passed.stderr
    assert "pass  accuracy >= 0.7: 0.75" in passed.stdout and "gate passed" in passed.stdout
    failed = perfledger_gate(live_server, token, "--model", model, "--min", "accuracy=0.9",
                             "--min", "precision=0.5")
    assert failed.returncode == 1
    assert "FAIL  accuracy >= 0.9: 0.75" in failed.stdout
    assert "pass  precision >= 0.5: 0.75" in failed.stdout and "gate FAILED" in failed.stdout

    # Step: what the service cannot answer is neither a pass nor a fail.
    unknown = perfledger_gate(live_server, token, "--model", model, "--min", "accurasy=0.9")
    assert unknown.returncode == 2 and "accurasy" in unknown.stderr
    refused = perfledger_gate(live_server, token + "x", "--model", model, "--min",
                              "accuracy=0.5")
    assert refused.returncode == 2 and "401" in refused.stderr
