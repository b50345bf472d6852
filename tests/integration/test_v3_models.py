"""v3 models over HTTP: create, get, patch, soft delete with a job, and their rules."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.conftest import impatient
from tests.v3 import create_model, create_project, model_body


@pytest.fixture
def project(client: TestClient[Any], admin: dict[str, str]) -> str:
    return create_project(client, admin)


def test_a_created_model_reads_back_the_same_with_a_trained_v1_version(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    model = create_model(client, admin, model_body(project))
    assert model["version"] == "v1" and model["artifact_status"] == "no_model"
    assert model["project"] == {"id": project, "name": "p"}
    uuid.UUID(model["created_by"]["id"])
    assert model["schema"]["columns"][0]["id"] == "age"
    assert client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"] == model
    versions = client.get(f"/api/v1/models/{model['id']}/versions", headers=admin).json()
    assert [(v["version_id"], v["status"]) for v in versions] == [("v1", "trained")]


def test_the_same_name_and_version_twice_is_409_and_appends_nothing(
    client: TestClient[Any], admin: dict[str, str], project: str, container: Container
) -> None:
    create_model(client, admin, model_body(project))
    head = container.engine.log.head()
    answer = client.post("/v3/models", json=model_body(project), headers=admin)
    assert answer.status_code == 409 and answer.json()["error"]["errors"][0]["reason"] == "Conflict"
    assert container.engine.log.head() == head
    assert create_model(client, admin, model_body(project, version="v2"))["version"] == "v2"


def test_a_spec_naming_missing_columns_is_400_naming_each(
    client: TestClient[Any], admin: dict[str, str], project: str, container: Container
) -> None:
    body = model_body(project)
    body["spec"]["inputs"] = ["age", "height"]
    body["spec"]["metadata"] = ["weight"]
    head = container.engine.log.head()
    answer = client.post("/v3/models", json=body, headers=admin)
    assert answer.status_code == 400
    messages = [item["message"] for item in answer.json()["error"]["errors"]]
    assert any("'height'" in m for m in messages) and any("'weight'" in m for m in messages)
    assert container.engine.log.head() == head


def test_a_classifier_whose_target_has_no_categories_is_400(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    body = model_body(project)
    body["spec"]["targets"] = ["row"]
    answer = client.post("/v3/models", json=body, headers=admin)
    assert answer.status_code == 400 and "categories" in answer.json()["error"]["message"]


def test_a_model_in_an_unknown_project_is_404(
    client: TestClient[Any], admin: dict[str, str]
) -> None:
    answer = client.post("/v3/models", json=model_body(str(uuid.uuid4())), headers=admin)
    assert answer.status_code == 404


def test_a_patch_changes_only_the_given_fields_and_records_who_changed_what(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    model = create_model(client, admin, model_body(project))
    answer = client.patch(
        f"/v3/models/{model['id']}", json={"description": "retrained", "algorithm": "gbm"},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    patched = answer.json()["data"]
    assert patched["description"] == "retrained" and patched["algorithm"] == "gbm"
    assert patched["schema"] == model["schema"] and patched["spec"] == model["spec"]
    assert client.get(f"/v3/models/{model['id']}", headers=admin).json()["data"] == patched
    history = client.get(f"/api/v1/models/{model['id']}/history", headers=admin).json()
    update = [entry for entry in history if entry["type"] == "ModelUpdated"]
    assert update[0]["actor"] == "tester"
    assert update[0]["data"]["changes"] == {"description": "retrained", "algorithm": "gbm"}


def test_a_patch_cannot_change_the_task_or_take_a_used_version(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    model = create_model(client, admin, model_body(project))
    create_model(client, admin, model_body(project, version="v2"))
    url = f"/v3/models/{model['id']}"
    assert client.patch(url, json={"task": "regression"}, headers=admin).status_code == 409
    assert client.patch(url, json={"version": "v2"}, headers=admin).status_code == 409
    renamed = client.patch(url, json={"version": "v3"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["data"]["version"] == "v3"
    assert create_model(client, admin, model_body(project))["version"] == "v1"


def test_a_deleted_model_disappears_at_once_and_its_job_succeeds(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    model = create_model(client, admin, model_body(project))
    answer = client.delete(f"/v3/models/{model['id']}", headers=admin)
    assert answer.status_code == 202, answer.text
    job = answer.json()["data"]["job"]
    assert client.get(f"/v3/models/{model['id']}", headers=admin).status_code == 404
    assert client.get("/v3/models", headers=admin).json()["data"]["total"] == 0
    assert client.get(f"/api/v1/models/{model['id']}", headers=admin).status_code == 404
    status = client.get(f"/v3/jobs/{job['id']}", headers=admin).json()["data"]
    assert status["status"] == "SUCCESS" and status["progress"] == 100.0
    assert client.delete(f"/v3/models/{model['id']}", headers=admin).status_code == 404
    assert create_model(client, admin, model_body(project))["id"] != model["id"]


def test_a_deleted_model_is_gone_from_get_columns_and_list_before_the_catalog_catches_up(
    client: TestClient[Any], admin: dict[str, str], project: str, container: Container
) -> None:
    model = create_model(client, admin, model_body(project))
    kept = create_model(client, admin, model_body(project, name="kept"))
    catch_up = container.wake_projections
    container.wake_projections = lambda: None  # the catch-up is slow: nothing projects the delete
    impatient(container, 0.1)
    assert client.delete(f"/v3/models/{model['id']}", headers=admin).status_code == 202
    assert container.engine.visible_position(["catalog"]) < container.engine.log.head()
    gone = [f"/v3/models/{model['id']}", f"/v3/models/{model['id']}/columns",
            f"/v3/models/{model['id']}/columns/age"]
    for url in gone:
        answer = client.get(url, headers=admin)
        assert answer.status_code == 404, (url, answer.text)
        assert answer.json()["error"]["errors"][0]["reason"] == "ObjectNotFound"
    page = client.get("/v3/models", headers=admin).json()["data"]
    assert [item["id"] for item in page["items"]] == [kept["id"]] and page["total"] == 1
    assert client.get(f"/v3/models/{kept['id']}", headers=admin).status_code == 200
    catch_up()
    assert client.get(gone[0], headers=admin).status_code == 404


def test_a_project_holding_models_cannot_be_deleted(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    model = create_model(client, admin, model_body(project))
    assert client.delete(f"/v3/projects/{project}", headers=admin).status_code == 409
    client.delete(f"/v3/models/{model['id']}", headers=admin)
    assert client.delete(f"/v3/projects/{project}", headers=admin).status_code == 200


def test_columns_are_listed_and_found_by_their_url_safe_id(
    client: TestClient[Any], admin: dict[str, str], project: str
) -> None:
    body = model_body(project)
    body["schema"]["columns"].append({"name": "plan type", "data_type": "str"})
    model = create_model(client, admin, body)
    url = f"/v3/models/{model['id']}/columns"
    columns = client.get(url, headers=admin).json()["data"]
    assert [c["name"] for c in columns["items"]][-1] == "plan type" and columns["total"] == 6
    spaced = next(c for c in columns["items"] if c["name"] == "plan type")
    assert spaced["id"] == "plan%20type"
    assert client.get(f"{url}/plan%2520type", headers=admin).json()["data"] == spaced
    assert client.get(f"{url}/age", headers=admin).json()["data"]["max"] == 90
    missing = client.get(f"{url}/height", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["errors"][0]["reason"] == (
        "ObjectNotFound"
    )
