"""Every documented v3 4xx answers in the v3 envelope with its reason, and appends nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.conftest import bearer
from tests.v3 import create_model, create_project, model_body, rules

REASONS = {400: "BadRequest", 401: "Unauthenticated", 403: "Forbidden", 404: "ObjectNotFound",
           405: "MethodNotAllowed", 409: "Conflict", 413: "PayloadTooLarge"}
UNKNOWN = "00000000-0000-4000-8000-000000000000"
Call = Callable[[TestClient[Any], dict[str, str], dict[str, Any]], Any]


@pytest.fixture
def world(client: TestClient[Any], admin: dict[str, str]) -> dict[str, Any]:
    project = create_project(client, admin)
    return {"project": project, "model": create_model(client, admin, model_body(project))["id"]}


CASES: list[tuple[str, int, Call]] = [
    ("no credential", 401, lambda c, h, w: c.get("/v3/models")),
    ("expired token", 401, lambda c, h, w: c.get(
        "/v3/models", headers=bearer(UNKNOWN, ttl=-10))),
    ("scope missing", 403, lambda c, h, w: c.post(
        "/v3/projects", json={"name": "x"}, headers=bearer(UNKNOWN, "model:read"))),
    ("unknown model", 404, lambda c, h, w: c.get(f"/v3/models/{UNKNOWN}", headers=h)),
    ("malformed model id", 404, lambda c, h, w: c.patch("/v3/models/x", json={}, headers=h)),
    ("unknown job", 404, lambda c, h, w: c.get(f"/v3/jobs/{UNKNOWN}", headers=h)),
    ("unknown column", 404, lambda c, h, w: c.get(
        f"/v3/models/{w['model']}/columns/nope", headers=h)),
    ("unknown file", 404, lambda c, h, w: c.post(
        "/v3/model-factory", json={"file_id": UNKNOWN}, headers=h)),
    ("duplicate model", 409, lambda c, h, w: c.post(
        "/v3/models", json=model_body(w["project"]), headers=h)),
    ("duplicate project", 409, lambda c, h, w: c.post(
        "/v3/projects", json={"name": "p"}, headers=h)),
    ("project with models", 409, lambda c, h, w: c.delete(
        f"/v3/projects/{w['project']}", headers=h)),
    ("task change", 409, lambda c, h, w: c.patch(
        f"/v3/models/{w['model']}", json={"task": "regression"}, headers=h)),
    ("malformed json", 400, lambda c, h, w: c.post(
        "/v3/models", content=b"{", headers={**h, "Content-Type": "application/json"})),
    ("wrong type", 400, lambda c, h, w: c.post(
        "/v3/models", json={**model_body(w["project"]), "task": 7}, headers=h)),
    ("invalid enum", 400, lambda c, h, w: c.post(
        "/v3/models", json=model_body(w["project"], input_type="image"), headers=h)),
    ("version too long", 400, lambda c, h, w: c.post(
        "/v3/models", json=model_body(w["project"], version="v" * 65), headers=h)),
    ("spec names a missing column", 400, lambda c, h, w: c.post(
        "/v3/models", json={**model_body(w["project"], name="n"),
                            "spec": {"inputs": ["ghost"]}}, headers=h)),
    ("limit out of range", 400, lambda c, h, w: c.get(
        "/v3/models", params={"limit": 1001}, headers=h)),
    ("negative offset", 400, lambda c, h, w: c.get(
        "/v3/models", params={"offset": -1}, headers=h)),
    ("unknown ordering", 400, lambda c, h, w: c.get(
        "/v3/models", params={"ordering": "-colour"}, headers=h)),
    ("malformed filter", 400, lambda c, h, w: c.get(
        "/v3/models", params={"filter": rules(("name", "between", ["a"]))}, headers=h)),
    ("threshold above 1", 400, lambda c, h, w: c.patch(
        f"/v3/models/{w['model']}",
        json={"task_params": {"binary_classification_threshold": 2}}, headers=h)),
    ("unknown env name", 400, lambda c, h, w: c.post(
        "/v3/events", json={"model_id": w["model"], "env_type": "PRE_PRODUCTION",
                            "env_name": "holdout",
                            "source": {"type": "EVENTS", "events": [{"score": 0.5}]}},
        headers=h)),
    ("body over the limit", 413, lambda c, h, w: c.post(
        "/v3/events", content=b"[" + b" " * 2_100_000 + b"]",
        headers={**h, "Content-Type": "application/json"})),
    ("method not allowed", 405, lambda c, h, w: c.put("/v3/projects", json={}, headers=h)),
]


@pytest.mark.parametrize(("case", "status", "call"), CASES, ids=[c[0] for c in CASES])
def test_documented_errors_answer_in_the_v3_envelope(
    client: TestClient[Any], admin: dict[str, str], world: dict[str, Any],
    container: Container, case: str, status: int, call: Call,
) -> None:
    head = container.engine.log.head()
    answer = call(client, admin, world)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["api_version"] == "3.0" and body["kind"] == "ERROR"
    error = body["error"]
    assert error["code"] == status and error["message"]
    assert error["errors"] and all(item["help"] == "" for item in error["errors"])
    assert error["errors"][0]["reason"] == REASONS[status]
    assert container.engine.log.head() == head
