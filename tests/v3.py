"""Helpers for v3 tests: a project, a model body as fiddler-client sends it, a name filter."""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import TestClient

COLUMNS = [
    {"name": "age", "data_type": "int", "min": 18, "max": 90},
    {"name": "income", "data_type": "float", "min": 0.0, "max": 1e6},
    {"name": "churned", "data_type": "category", "categories": ["no", "yes"]},
    {"name": "score", "data_type": "float", "min": 0.0, "max": 1.0},
    {"name": "row", "data_type": "str"},
]


def model_body(project_id: str, name: str = "churn", **fields: Any) -> dict[str, Any]:
    """A binary classifier with nulls explicit, the way `Model.create()` sends one."""
    body: dict[str, Any] = {
        "name": name,
        "project_id": project_id,
        "schema": {
            "schema_version": 1,
            "columns": [
                {"min": None, "max": None, "categories": None, "bins": None,
                 "replace_with_nulls": None, "n_dimensions": None, **column}
                for column in COLUMNS
            ],
        },
        "spec": {
            "schema_version": 1, "inputs": ["age", "income"], "outputs": ["score"],
            "targets": ["churned"], "decisions": [], "metadata": [], "custom_features": [],
        },
        "input_type": "structured",
        "task": "binary_classification",
        "task_params": {
            "binary_classification_threshold": None, "target_class_order": None,
            "group_by": None, "top_k": None, "class_weights": None,
            "weighted_ref_histograms": None,
        },
        "description": None,
        "event_id_col": "row",
        "event_ts_col": None,
        "event_ts_format": None,
        "xai_params": {"custom_explain_methods": [], "default_explain_method": None},
    }
    body.update(fields)
    return body


def rules(*triples: tuple[str, str, Any], condition: str = "AND") -> str:
    return json.dumps({
        "condition": condition,
        "rules": [{"field": f, "operator": o, "value": v} for f, o, v in triples],
    })


def create_project(client: TestClient[Any], headers: dict[str, str], name: str = "p") -> str:
    answer = client.post("/v3/projects", json={"name": name}, headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["id"])


def create_model(client: TestClient[Any], headers: dict[str, str], body: dict[str, Any]) -> Any:
    answer = client.post("/v3/models", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]
