"""v3 projects over HTTP: unique names, filters, pagination, deletion and the error envelope."""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.conftest import bearer


def name_filter(name: str) -> str:
    rule = {"field": "name", "operator": "equal", "value": name}
    return json.dumps({"condition": "AND", "rules": [rule]})


def create(client: TestClient[Any], headers: dict[str, str], name: str) -> dict[str, Any]:
    answer = client.post("/v3/projects", json={"name": name}, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def test_a_created_project_is_found_by_id_and_by_name(
    client: TestClient[Any], admin: dict[str, str], org: str
) -> None:
    project = create(client, admin, "fraud")
    assert project["organization"]["id"] == org and project["created_at"].endswith("Z")
    got = client.get(f"/v3/projects/{project['id']}", headers=admin).json()["data"]
    assert got == project
    page = client.get("/v3/projects", params={"filter": name_filter("fraud")}, headers=admin)
    assert page.json()["data"]["items"] == [project] and page.json()["data"]["total"] == 1


def test_a_duplicate_project_name_is_409_and_appends_nothing(
    client: TestClient[Any], admin: dict[str, str], container: Container
) -> None:
    create(client, admin, "fraud")
    head = container.engine.log.head()
    answer = client.post("/v3/projects", json={"name": "fraud"}, headers=admin)
    assert answer.status_code == 409
    assert answer.json()["error"]["errors"][0]["reason"] == "Conflict"
    assert container.engine.log.head() == head


def test_projects_of_another_organization_are_invisible(
    client: TestClient[Any], admin: dict[str, str], org: str
) -> None:
    project = create(client, admin, "fraud")
    other = bearer("00000000-0000-4000-8000-000000000001")
    assert client.get(f"/v3/projects/{project['id']}", headers=other).status_code == 404
    assert client.get("/v3/projects", headers=other).json()["data"]["total"] == 0
    assert client.post("/v3/projects", json={"name": "fraud"}, headers=other).status_code == 200


def test_project_pages_walk_like_the_client_does(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    for index in range(5):
        create(client, admin, f"p{index}")
    seen: list[str] = []
    offset = 0
    while True:
        data = client.get(
            "/v3/projects", params={"limit": 2, "offset": offset}, headers=admin
        ).json()["data"]
        seen += [item["name"] for item in data["items"]]
        assert data["page_size"] == 2 and data["total"] == 5 and data["page_count"] == 3
        if data["page_index"] >= data["page_count"]:
            break
        offset = data["offset"] + 2
    assert seen == [f"p{index}" for index in range(5)]


def test_deleting_a_project_frees_its_name(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    project = create(client, admin, "fraud")
    assert client.delete(f"/v3/projects/{project['id']}", headers=admin).status_code == 200
    assert client.get(f"/v3/projects/{project['id']}", headers=admin).status_code == 404
    assert create(client, admin, "fraud")["id"] != project["id"]


def test_bad_project_requests_answer_in_the_v3_envelope(
    client: TestClient[Any], admin: dict[str, str], org: str
) -> None:
    cases = [
        (client.post("/v3/projects", json={"name": ""}, headers=admin), 400),
        (client.post("/v3/projects", json={"title": "x"}, headers=admin), 400),
        (client.get("/v3/projects", params={"limit": 0}, headers=admin), 400),
        (client.get("/v3/projects", params={"filter": "{"}, headers=admin), 400),
        (client.get("/v3/projects/not-a-uuid", headers=admin), 404),
        (client.get("/v3/projects", headers=bearer(org, "dataset:read")), 403),
        (client.delete("/v3/projects/00000000-0000-4000-8000-000000000000", headers=admin), 404),
    ]
    for answer, status in cases:
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["kind"] == "ERROR" and body["error"]["code"] == status
        assert body["error"]["errors"][0]["help"] == ""
