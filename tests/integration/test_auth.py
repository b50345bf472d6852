"""Credentials: 401 for bad ones, 403 for missing scopes, 404 across organizations."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.domain.values import Caller
from tests.conftest import SECRET, bearer
from tests.scenario import Scenario


@pytest.fixture
def model(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    scenario.send_predictions("v1", [{"row_id": "a", "predicted_label": "no", "true_label": "no"}])
    scenario.catch_up()
    return scenario


def summary_url(s: Scenario) -> str:
    return f"/api/v1/models/{s.model_id}/performance/summary"


def token(claims: dict[str, Any], secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}


def valid_claims(org: str) -> dict[str, Any]:
    return {"sub": "u", "org": org, "scopes": ["model:read"], "exp": int(time.time()) + 60}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not.a.jwt"},
        {"X-API-Key": "plk_00000000000000000000000000000000_nope"},
        {"X-Arcanna-Api-Key": "garbage"},
    ],
)
def test_missing_or_malformed_credentials_are_401(model: Scenario, headers: dict[str, str]) -> None:
    answer = model.client.get(summary_url(model), headers=headers)
    assert answer.status_code == 401 and answer.json()["detail"]


def test_expired_badly_signed_or_incomplete_tokens_are_401(model: Scenario, org: str) -> None:
    expired = {**valid_claims(org), "exp": int(time.time()) - 10}
    no_org = {k: v for k, v in valid_claims(org).items() if k != "org"}
    no_exp = {k: v for k, v in valid_claims(org).items() if k != "exp"}
    bad_org = {**valid_claims(org), "org": "acme"}
    for headers in (
        token(expired),
        token(valid_claims(org), "other-secret-" + "y" * 32),
        token(no_org),
        token(no_exp),
        token(bad_org),
    ):
        assert model.client.get(summary_url(model), headers=headers).status_code == 401
    assert model.client.get(summary_url(model), headers=token(valid_claims(org))).status_code == 200


def test_a_credential_without_the_scope_is_403(model: Scenario, org: str) -> None:
    reader = bearer(org, "model:read")
    head = model.head()
    answer = model.client.post(
        f"/api/v1/models/{model.model_id}/versions/v1/predictions",
        json={"dataset_split": "test", "records": [{"row_id": "b", "predicted_label": "no"}]},
        headers=reader,
    )
    assert answer.status_code == 403 and "dataset:write" in answer.json()["detail"]
    assert model.head() == head
    writer = bearer(org, "dataset:write")
    assert model.client.get(summary_url(model), headers=writer).status_code == 403


def test_organization_viewer_reads_but_does_not_write(model: Scenario, org: str) -> None:
    viewer = bearer(org, "organization:viewer")
    assert model.client.get(summary_url(model), headers=viewer).status_code == 200
    answer = model.client.post(
        "/api/v1/models", json={"name": "x", "task": "regression"}, headers=viewer
    )
    assert answer.status_code == 403


def test_another_organization_sees_404_for_reads_and_writes(model: Scenario) -> None:
    stranger = bearer(str(uuid.uuid4()))
    head = model.head()
    assert model.client.get(summary_url(model), headers=stranger).status_code == 404
    assert (
        model.client.get(f"/api/v1/models/{model.model_id}/versions", headers=stranger).status_code
        == 404
    )
    answer = model.client.post(
        f"/api/v1/models/{model.model_id}/versions/v1/predictions",
        json={"dataset_split": "test", "records": [{"row_id": "b", "predicted_label": "no"}]},
        headers=stranger,
    )
    assert answer.status_code == 404
    assert (
        model.client.patch(
            f"/api/v1/models/{model.model_id}/versions/v1",
            json={"status": "archived"},
            headers=stranger,
        ).status_code
        == 404
    )
    assert model.head() == head


def test_api_keys_work_until_revoked(
    client: TestClient[Any], container: Container, org: str
) -> None:
    key_id, key = container.ledger.mint_api_key(Caller(org), ["model:write"])
    created = client.post(
        "/api/v1/models", json={"name": "k", "task": "regression"}, headers={"X-API-Key": key}
    )
    assert created.status_code == 201
    assert (
        client.post(
            "/api/v1/models",
            json={"name": "k2", "task": "regression"},
            headers={"X-Arcanna-Api-Key": key},
        ).status_code
        == 201
    )
    tampered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    assert (
        client.post(
            "/api/v1/models",
            json={"name": "k3", "task": "regression"},
            headers={"X-API-Key": tampered},
        ).status_code
        == 401
    )

    container.ledger.revoke_api_key(key_id)

    assert (
        client.post(
            "/api/v1/models", json={"name": "k4", "task": "regression"}, headers={"X-API-Key": key}
        ).status_code
        == 401
    )


def test_api_keys_are_stored_only_as_a_hash(container: Container, org: str) -> None:
    key_id, key = container.ledger.mint_api_key(Caller(org), ["model:read"])
    secret = key.split("_", 2)[2]  # plk_<id hex>_<secret>; the secret may hold "_"
    stored = b"".join(event.state for event in container.ledger.recorder.select_events(key_id))
    assert secret.encode() not in stored


def test_public_endpoints_need_no_credential(client: TestClient[Any]) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/metrics").status_code == 200  # unless PERFLEDGER_METRICS_TOKEN is set
    spec = client.get("/schema/openapi.json").json()
    assert set(spec["components"]["securitySchemes"]) == {"BearerToken", "ApiKey", "ArcannaApiKey"}
    assert "/api/v1/models/{model_id}/performance/summary" in spec["paths"]
