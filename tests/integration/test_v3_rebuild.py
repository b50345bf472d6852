"""The v3 read models rebuild from the log into the same tables, deletions and all."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.v3 import create_model, create_project, model_body


def test_every_projection_rebuilds_to_the_same_rows_after_v3_commands(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    # Step: two projects, three models, a patch, an artifact-free delete, published rows.
    project = create_project(client, admin)
    create_project(client, admin, "other")
    first = create_model(client, admin, model_body(project))
    second = create_model(client, admin, model_body(project, version="v2"))
    create_model(client, admin, model_body(project, name="fraud"))
    client.patch(f"/v3/models/{first['id']}", json={"description": "x"}, headers=admin)
    events = [{"row": f"r{i}", "age": i, "score": i / 10, "churned": "yes" if i % 2 else "no"}
              for i in range(10)]
    client.post("/v3/events", json={"model_id": second["id"], "env_type": "PRODUCTION",
                                    "source": {"type": "EVENTS", "events": events}},
                headers=admin)
    client.post("/v3/events", json={"model_id": first["id"], "env_type": "PRODUCTION",
                                    "source": {"type": "EVENTS", "events": events}},
                headers=admin)
    assert client.delete(f"/v3/models/{second['id']}", headers=admin).status_code == 202
    before = client.get("/v3/models", params={"latest_only": True}, headers=admin).json()

    # Step: shadow rebuilds match the live tables, and a real rebuild changes nothing seen.
    for name in container.engine.projections:
        assert container.engine.check_drift(name) == [], name
    for name in container.engine.projections:
        container.engine.rebuild(name)
    after = client.get("/v3/models", params={"latest_only": True}, headers=admin).json()
    assert after == before
    assert [item["version"] for item in after["data"]["items"]] == ["v1", "v1"]
    summary = client.get(f"/api/v1/models/{first['id']}/performance/summary",
                         params={"dataset_split": "production"}, headers=admin)
    assert summary.status_code == 200 and summary.json()["labeled_count"] == 10
    gone = client.get(f"/api/v1/models/{second['id']}/performance/summary",
                      params={"dataset_split": "production"}, headers=admin)
    assert gone.status_code == 404
