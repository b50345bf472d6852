"""The real arcanna-mcp-server tools against a live perfledger, answers checked independently."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import types
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer
from tests.job_oracle import Recorded, assert_same_metrics, expected_metrics
from tests.waiting import wait_for

DECISIONS = ["Drop", "Investigate", "Escalate"]
MODEL_FIELDS = ("overall_accuracy", "overall_f1_score", "overall_recall", "overall_precision",
                "confusion_matrix", "metrics_per_decision")


def api_key(server: LiveServer, organization: str, *scopes: str) -> str:
    """Mints a key with the CLI against the server's store; the key is on the last line."""
    command = [sys.executable, "-m", "perfledger.api.cli", "api-key", "create",
               "--org", organization]
    for scope in scopes:
        command += ["--scope", scope]
    done = subprocess.run(command, env=server.env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def arcanna(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[types.SimpleNamespace, str]]:
    """The client's tool modules, imported afresh against this server with an admin key."""
    key = api_key(live_server, str(uuid.uuid4()), "organization:admin")
    monkeypatch.setenv("ARCANNA_HOST", live_server.url)
    monkeypatch.setenv("ARCANNA_MANAGEMENT_API_KEY", key)
    for name in [n for n in sys.modules if n.startswith("arcanna_mcp_server")]:
        del sys.modules[name]
    # Importing the package starts its MCP server module; the tools need none of it.
    monkeypatch.setitem(sys.modules, "arcanna_mcp_server.server",
                        types.ModuleType("arcanna_mcp_server.server"))
    tools = types.SimpleNamespace(**{
        name: importlib.import_module(f"arcanna_mcp_server.{name.replace('__', '.')}")
        for name in ("tools__metrics", "tools__jobs", "tools__health_check",
                     "tools__generic_events", "utils__tool_scopes", "models__metrics")})
    yield tools, key
    for name in [n for n in sys.modules if n.startswith("arcanna_mcp_server")]:
        del sys.modules[name]


def run(tool: Any, *args: Any, **kwargs: Any) -> Any:
    return asyncio.run(tool(*args, **kwargs))


def send_events(http: httpx.Client, recorded: Recorded, events: list[dict[str, Any]],
                model: str | None) -> None:
    answer = http.post("/api/v2/jobs/1/events", json={"events": events})
    assert answer.status_code == 202, answer.text
    recorded.add_events(events, answer.json()["event_ids"], model)


def test_the_arcanna_tools_work_unchanged_against_perfledger(
        live_server: LiveServer, arcanna: tuple[types.SimpleNamespace, str]) -> None:
    tools, key = arcanna
    metrics, jobs, events = tools.tools__metrics, tools.tools__jobs, tools.tools__generic_events
    http = httpx.Client(base_url=live_server.url, headers={"x-arcanna-api-key": key}, timeout=10)
    # Step: the client offers its tools by the scopes the key lists.
    offered = tools.utils__tool_scopes.filter_by_scope(
        [*metrics.export_tools(), *jobs.export_tools(), *events.export_tools()])
    names = {tool.__name__ for tool in offered}
    assert {"metrics_job", "metrics_model", "metrics_model_request_recompute_metrics",
            "metrics_job_and_latest_model", "train_job", "add_feedback_to_event",
            "export_event_by_id"} <= names
    assert run(tools.tools__health_check.health_check) == {
        "status": "OK", "reason": "", "reason_details": ""}

    # Step: a job with events, feedback through the tool, a training, more of both.
    assert http.post("/api/v2/jobs", json={"title": "SOC triage", "decisions": DECISIONS,
                                           "minutes_per_event": 3}).status_code == 201
    recorded = Recorded(DECISIONS, 3.0)
    send_events(http, recorded, [
        {"event_id": f"e{i}", "decision": DECISIONS[i % 3],
         "timestamp": f"2025-01-0{1 + i % 3}T{i:02d}:30:00Z", "bucket_id": f"b{i % 4}",
         "fields": {"source": {"ip": f"10.0.0.{i}"}, "severity": i % 5}} for i in range(20)],
        None)
    for i in range(0, 20, 2):
        label = DECISIONS[(i // 2) % 3]
        assert run(events.add_feedback_to_event, 1, f"e{i}", label)["status"] == "OK"
        recorded.add_feedback(f"e{i}", "mcp", label)
    trained = run(jobs.train_job, 1)
    assert trained["status"] == "OK"
    model_id = trained["model_id"]
    recorded.train(model_id)
    send_events(http, recorded, [
        {"event_id": f"n{i}", "decision": DECISIONS[(i + 1) % 3],
         "timestamp": f"2025-01-02T{i:02d}:10:00Z",
         "fields": {"source": {"ip": f"10.0.1.{i}"}, "severity": i % 5}} for i in range(10)],
        model_id)
    for event_id, label in (("n1", "Drop"), ("n2", "Investigate"), ("n3", "Escalate"),
                            ("e0", "Escalate")):
        last = run(events.add_feedback_to_event, 1, event_id, label)
        recorded.add_feedback(event_id, "mcp", label)
    # The tools send no min_position: let the projections take in the last command first.
    assert http.get("/api/v2/jobs/1", params={"min_position": last["position"]}).is_success

    # Step: job metrics, with and without range and filters, match scikit-learn.
    answer = run(metrics.metrics_job, 1)
    assert_same_metrics(answer, expected_metrics(recorded), "metrics_job")
    tools.models__metrics.GetJobMetricsResponse.model_validate(answer)
    filters = [{"field": "severity", "operator": "gte", "value": 2},
               {"field": "source.ip", "operator": "starts with", "value": "10.0."}]
    answer = run(metrics.metrics_job, "SOC triage", "2025-01-01T12:00:00+02:00",
                 "2025-01-03", filters)
    expected = expected_metrics(recorded, filters, "2025-01-01T10:00:00Z", "2025-01-03T00:00:00Z")
    assert_same_metrics(answer, expected, "metrics_job with a range and filters")
    assert answer["total_events"] > 0

    # Step: model metrics are null until a recompute, which the live scheduler runs.
    before = run(metrics.metrics_model, 1, model_id)
    assert before["last_recomputed_timestamp"] is None and before["confusion_matrix"] is None
    queued = run(metrics.metrics_model_request_recompute_metrics, 1, model_id)
    assert list(queued) == ["message", "job_id", "model_id", "status", "requested_at"]
    assert (queued["job_id"], queued["model_id"]) == (1, model_id)
    assert queued["status"] in ("queued", "in_progress")
    done = wait_for_recompute(metrics, model_id)
    tools.models__metrics.GetModelMetricsResponse.model_validate(done)
    mine = [{"field": "arcanna.model_id", "operator": "is", "value": model_id}]
    model_expected = expected_metrics(recorded, mine)
    assert {k: done[k] for k in MODEL_FIELDS} == {k: model_expected[k] for k in MODEL_FIELDS}

    # Step: the job and its latest model together, recomputed on the spot.
    both = run(metrics.metrics_job_and_latest_model, 1)
    tools.models__metrics.GetJobAndLatestModelMetricsResponse.model_validate(both)
    active = both.pop("active_model_metrics")
    assert_same_metrics(both, expected_metrics(recorded), "metrics_job_and_latest_model")
    assert active["model_id"] == model_id and active["is_recomputing_metrics"] is False
    assert {k: active[k] for k in MODEL_FIELDS} == {k: model_expected[k] for k in MODEL_FIELDS}

    # Step: export an event; unknown jobs answer JSON the tools pass through.
    exported = run(events.export_event_by_id, 1, "e4")["arcanna_event"]
    assert exported["source"] == {"ip": "10.0.0.4"} and exported["severity"] == 4
    assert exported["arcanna"]["result_label"] == "Investigate"
    assert exported["arcanna"]["consensus"] == recorded.consensus("e4") == "Escalate"
    assert run(metrics.metrics_job, 99)["error"] == "Job not found"
    assert "detail" in run(metrics.metrics_model_request_recompute_metrics, 1, None)


def wait_for_recompute(metrics: Any, model_id: str) -> dict[str, Any]:
    def recomputed() -> dict[str, Any] | None:
        answer: dict[str, Any] = run(metrics.metrics_model, 1, model_id)
        done = answer["last_recomputed_timestamp"] and not answer["is_recomputing_metrics"]
        return answer if done else None

    found: dict[str, Any] = wait_for(recomputed, "the model's metrics to be recomputed",
                                     step=0.2)
    return found
