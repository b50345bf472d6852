"""What the dashboard reads besides the v1 queries: an organization's models, a page at a
time, and what a model's rows can be sliced by."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import bearer
from tests.scenario import Scenario

MODELS = "/api/v1/models"


def test_an_organization_lists_its_own_models_oldest_first_a_page_at_a_time(
        scenario: Scenario, client: TestClient[Any], org: str) -> None:
    names = ["churn", "intent", "price"]
    for name in names:
        scenario.create_model(name=name, task="binary_classification", labels=["no", "yes"])
    other = "5b0f6f0e-0000-4000-8000-000000000b0f"
    client.post("/api/v1/models", json={"name": "theirs", "task": "regression"},
                headers=bearer(other))
    scenario.catch_up()

    listed = client.get(MODELS, headers=scenario.headers).json()
    assert [m["name"] for m in listed["models"]] == names and listed["total"] == 3
    assert listed["models"][0]["labels"] == ["no", "yes"]
    page = client.get(MODELS, params={"limit": 1, "offset": 1}, headers=scenario.headers).json()
    assert [m["name"] for m in page["models"]] == ["intent"] and page["total"] == 3
    assert client.get(MODELS, headers=bearer(other)).json()["total"] == 1
    assert client.get(MODELS).status_code == 401
    assert client.get(MODELS, params={"limit": 0}, headers=scenario.headers).status_code == 400
    assert client.get(MODELS, headers=bearer(org, "dataset:read")).status_code == 403


def test_dimensions_name_the_declared_inputs_and_the_tags_rows_carried(
        scenario: Scenario) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"],
                          inputs=["tenure"])
    scenario.trained_version()
    assert scenario.get("/performance/dimensions").json()["tags"] == []
    scenario.send_predictions("v1", [
        {"row_id": "a", "predicted_label": "yes", "true_label": "yes", "features": {"tenure": 3},
         "tags": {"region": "eu", "plan": "pro"}},
        {"row_id": "b", "predicted_label": "no", "true_label": "yes", "features": {"tenure": 9},
         "tags": {"region": "us"}},
    ], split="production")
    scenario.catch_up()

    found = scenario.get("/performance/dimensions").json()
    assert found["inputs"] == ["tenure"] and sorted(found["tags"]) == ["plan", "region"]
    for tag in found["tags"]:
        assert scenario.get("/performance/segments", by=tag).status_code == 200
    stranger = bearer("5b0f6f0e-0000-4000-8000-000000000b0f")
    answer = scenario.client.get(f"/api/v1/models/{scenario.model_id}/performance/dimensions",
                                 headers=stranger)
    assert answer.status_code == 404
