"""v3 server info, the compatibility check, and the v3 error envelope before routing."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.conftest import bearer


def test_server_info_names_the_callers_organization_and_a_version_the_client_accepts(
    client: TestClient[Any], org: str
) -> None:
    answer = client.get("/v3/server-info", headers=bearer(org))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["api_version"] == "3.0" and body["kind"] == "NORMAL"
    major, minor, patch = (int(part) for part in body["data"]["server_version"].split("."))
    assert (major, minor, patch) >= (25, 2, 0)
    assert body["data"]["organization"]["id"] == org
    assert body["data"]["feature_flags"] == {}


def test_server_info_without_a_credential_names_no_organization(
    client: TestClient[Any], container: Container
) -> None:
    answer = client.get("/v3/server-info")
    assert answer.status_code == 200
    assert answer.json()["data"]["organization"] is None
    assert container.settings.default_organization_id not in answer.text


def test_server_info_with_a_bad_token_is_401_in_the_v3_envelope(client: TestClient[Any]) -> None:
    answer = client.get("/v3/server-info", headers={"Authorization": "Bearer nonsense"})
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == 401 and error["errors"][0]["reason"] == "Unauthenticated"


def test_version_compatibility_answers_200_without_a_credential(client: TestClient[Any]) -> None:
    answer = client.get(
        "/v3/version-compatibility", params={"client_version": "3.14.1", "client_name": "x"}
    )
    assert answer.status_code == 200 and answer.json()["data"] == {}


def test_a_missing_credential_on_v3_is_401_in_the_v3_envelope(client: TestClient[Any]) -> None:
    answer = client.get("/v3/projects")
    assert answer.status_code == 401
    body = answer.json()
    assert body["kind"] == "ERROR" and body["error"]["errors"][0]["help"] == ""


def test_an_unknown_v3_path_is_404_in_the_v3_envelope(
    client: TestClient[Any], org: str
) -> None:
    answer = client.get("/v3/no-such-thing", headers=bearer(org))
    assert answer.status_code == 404
    assert answer.json()["error"]["errors"][0]["reason"] == "ObjectNotFound"


def test_v1_errors_keep_their_own_shape(client: TestClient[Any], org: str) -> None:
    answer = client.get("/api/v1/models/unknown", headers=bearer(org))
    assert answer.status_code == 404 and "detail" in answer.json()
