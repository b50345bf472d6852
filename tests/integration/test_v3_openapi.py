"""The OpenAPI document covers every v3 path and method the dialect serves."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

V3_OPERATIONS = {
    ("/v3/server-info", "get"), ("/v3/version-compatibility", "get"),
    ("/v3/projects", "get"), ("/v3/projects", "post"),
    ("/v3/projects/{project_id}", "get"), ("/v3/projects/{project_id}", "delete"),
    ("/v3/models", "get"), ("/v3/models", "post"),
    ("/v3/models/{model_id}", "get"), ("/v3/models/{model_id}", "patch"),
    ("/v3/models/{model_id}", "delete"),
    ("/v3/models/{model_id}/columns", "get"),
    ("/v3/models/{model_id}/columns/{column_id}", "get"),
    ("/v3/files/upload", "post"), ("/v3/model-factory", "post"),
    ("/v3/models/{model_id}/deploy-artifact", "post"),
    ("/v3/models/{model_id}/deploy-artifact", "put"),
    ("/v3/models/{model_id}/deploy-surrogate", "post"),
    ("/v3/models/{model_id}/deploy-surrogate", "put"),
    ("/v3/jobs/{job_id}", "get"), ("/v3/events", "post"), ("/v3/events", "patch"),
    ("/v3/alert-rules", "get"), ("/v3/alert-rules", "post"),
    ("/v3/alert-rules/{alert_rule_id}", "get"), ("/v3/alert-rules/{alert_rule_id}", "patch"),
    ("/v3/alert-rules/{alert_rule_id}", "delete"),
    ("/v3/alert-rules/{alert_rule_id}/notification", "get"),
    ("/v3/alert-rules/{alert_rule_id}/notification", "patch"),
    ("/v3/alert-rules/{alert_rule_id}/records", "get"),
    ("/v3/baselines", "get"), ("/v3/baselines", "post"),
    ("/v3/baselines/{baseline_id}", "get"), ("/v3/baselines/{baseline_id}", "delete"),
    ("/v3/models/{model_id}/baselines", "get"),
    ("/v3/environments", "get"), ("/v3/environments/{environment_id}", "get"),
    ("/v3/models/{model_id}/environments", "get"),
}


def test_the_openapi_document_lists_every_v3_operation(client: TestClient[Any]) -> None:
    answer = client.get("/schema/openapi.json")
    assert answer.status_code == 200, answer.text
    paths = answer.json()["paths"]
    documented = {(path.rstrip("/") or "/", method) for path, item in paths.items()
                  for method in item if path.startswith("/v3")}
    assert documented == V3_OPERATIONS


def test_v3_operations_name_their_parameters_and_bodies(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    listing = {p["name"] for p in paths["/v3/models"]["get"]["parameters"]}
    assert {"filter", "search", "ordering", "latest_only", "project_id", "limit",
            "offset"} <= listing
    assert "requestBody" in paths["/v3/models"]["post"]
    assert "requestBody" in paths["/v3/model-factory"]["post"]
