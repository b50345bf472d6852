"""The README's quick tour against a live server whose scheduler keeps projections up."""

from __future__ import annotations

import subprocess
import sys

import httpx
from sklearn.metrics import accuracy_score, roc_auc_score

from tests.e2e.conftest import LiveServer
from tests.waiting import wait_for


def test_a_new_user_follows_the_quick_tour(live_server: LiveServer) -> None:
    # Step: the first start printed an admin token; the CLI mints a narrower one too.
    admin = {"Authorization": f"Bearer {live_server.first_token()}"}
    http = httpx.Client(base_url=live_server.url, headers=admin, timeout=10)

    # Step: register a model and train a version.
    model = http.post(
        "/api/v1/models",
        json={
            "name": "churn",
            "task": "binary_classification",
            "labels": ["stay", "churn"],
            "inputs": ["tenure"],
        },
    ).json()
    base = f"/api/v1/models/{model['id']}"
    assert http.post(f"{base}/versions", json={"version_id": "v1"}).status_code == 201
    for status in ("training", "trained"):
        assert http.patch(f"{base}/versions/v1", json={"status": status}).status_code == 200

    # Step: send predictions, some with labels, then late labels for the rest.
    truth = [1, 0, 1, 1, 0, 0, 1, 0]
    scores = [0.9, 0.2, 0.4, 0.8, 0.6, 0.1, 0.7, 0.3]
    records = [
        {
            "row_id": f"r{i}",
            "predicted_label": "churn" if s >= 0.5 else "stay",
            "score": s,
            "features": {"tenure": i},
        }
        for i, s in enumerate(scores)
    ]
    sent = http.post(
        f"{base}/versions/v1/predictions", json={"dataset_split": "test", "records": records}
    )
    assert sent.status_code == 202 and sent.json()["accepted"] == 8
    labels = http.post(
        f"{base}/versions/v1/labels",
        json={
            "dataset_split": "test",
            "labels": [
                {"row_id": f"r{i}", "true_label": "churn" if t else "stay"}
                for i, t in enumerate(truth)
            ],
        },
    )
    assert labels.status_code == 202 and labels.json()["unknown_row_ids"] == []

    # Step: promote, then read the summary the scheduler computed.
    promoted = http.post(f"{base}/versions/v1/promote", json={"reason": "first"}).json()
    summary = http.get(f"{base}/performance/summary", params={"min_position": promoted["position"]})

    assert summary.status_code == 200
    assert summary.headers["x-projection-position"] == str(promoted["position"])
    metrics = summary.json()["metrics"]
    predicted = [1 if s >= 0.5 else 0 for s in scores]
    assert metrics["accuracy"] == accuracy_score(truth, predicted)
    assert abs(metrics["roc_auc"] - roc_auc_score(truth, scores)) < 1e-9
    history = http.get(f"{base}/history", params={"min_position": promoted["position"]}).json()
    assert [e["type"] for e in history][-2:] == ["LabelsRecorded", "VersionPromoted"]


def test_cli_tokens_carry_their_scopes(live_server: LiveServer) -> None:
    minted = subprocess.run(
        [
            sys.executable,
            "-m",
            "perfledger.api.cli",
            "token",
            "--org",
            "7d7d2d7e-0000-4000-8000-000000000001",
            "--scope",
            "model:read",
            "--ttl",
            "60",
        ],
        env=live_server.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    reader = {"Authorization": f"Bearer {minted.stdout.strip().splitlines()[-1]}"}
    refused = httpx.post(
        f"{live_server.url}/api/v1/models", headers=reader, json={"name": "x", "task": "regression"}
    )
    assert refused.status_code == 403


def test_the_scheduler_completes_a_recompute_request(live_server: LiveServer) -> None:
    http = httpx.Client(base_url=live_server.url, timeout=10,
                        headers={"Authorization": f"Bearer {live_server.first_token()}"})
    model = http.post("/api/v1/models", json={"name": "p", "task": "regression"}).json()
    base = f"/api/v1/models/{model['id']}"
    http.post(f"{base}/versions", json={"version_id": "v1"})
    http.post(f"{base}/versions/v1/predictions", json={"dataset_split": "test", "records": [
        {"row_id": "a", "prediction": 1.0, "target": 2.0}]})

    asked = http.post(f"{base}/performance/recompute", json={}).json()

    def completed() -> httpx.Response | None:
        state = http.get(f"/api/v1/recompute-requests/{asked['request_id']}")
        done = state.status_code == 200 and state.json()["status"] == "completed"
        return state if done else None

    state = wait_for(completed, "the recompute request to complete", timeout=20, step=0.2)
    assert state.json()["outcome"]["series"][0]["matched"] is True
