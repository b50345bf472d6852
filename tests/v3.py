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


def variant(index: int, project_ids: list[str]) -> dict[str, Any]:
    """The index-th of many distinct models: two projects, 800 names, versions v1..v7."""
    body = model_body(
        project_ids[index % len(project_ids)],
        name=f"m{(index // 2) % 800:03d}",
        version=f"v{index // 1600 + 1}",
        status="INACTIVE" if index % 7 == 0 else "LIVE",
        input_type="text" if index % 5 == 0 else "structured",
        description=None if index % 4 == 0 else ("" if index % 4 == 1 else f"churn model {index}"),
        algorithm="gbm" if index % 3 else "logistic regression",
    )
    if index % 3 == 0:
        body.update(task="regression")
        body["spec"]["targets"] = ["income"]
    return body


def load_models(ledger: Any, caller: Any, project_ids: list[str], count: int) -> None:
    """Onboards `count` models through the domain, 250 to a transaction (a bulk loader)."""
    import uuid

    import msgspec

    from perfledger.api.v3.model_requests import ModelCreate, entry_of

    for start in range(0, count, 250):
        aggregates: list[Any] = []
        added: dict[str, list[uuid.UUID]] = {project: [] for project in project_ids}
        for index in range(start, min(count, start + 250)):
            data = msgspec.convert(variant(index, project_ids), ModelCreate)
            model, claim = ledger.onboarding(
                caller, uuid.UUID(data.project_id), data.name, data.task, entry_of(data)
            )
            aggregates += [model, claim]
            added[data.project_id].append(model.id)
        for project, model_ids in added.items():
            aggregates += ledger.models_added(caller, uuid.UUID(project), model_ids)
        ledger.save(*aggregates)
