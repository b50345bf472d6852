"""Helpers that walk the v1 API through common steps, for readable scenario tests."""

from __future__ import annotations

from typing import Any

import jwt
from litestar.testing import TestClient

from perfledger.api.auth import bearer_token
from perfledger.api.bootstrap import Container


class Scenario:
    """A model under test, driven through HTTP, with projections caught up on demand."""

    def __init__(self, client: TestClient[Any], container: Container, headers: dict[str, str]):
        self.client = client
        self.container = container
        self.headers = headers
        self.model_id = ""

    def create_model(self, **definition: Any) -> dict[str, Any]:
        answer = self.client.post("/api/v1/models", json=definition, headers=self.headers)
        assert answer.status_code == 201, answer.text
        self.model_id = answer.json()["id"]
        return dict(answer.json())

    def trained_version(self, version_id: str = "v1") -> str:
        url = f"/api/v1/models/{self.model_id}/versions"
        answer = self.client.post(url, json={"version_id": version_id}, headers=self.headers)
        assert answer.status_code == 201, answer.text
        for status in ("training", "trained"):
            answer = self.client.patch(
                f"{url}/{version_id}", json={"status": status}, headers=self.headers
            )
            assert answer.status_code == 200, answer.text
        return version_id

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            f"/api/v1/models/{self.model_id}{path}", json=body, headers=self.headers
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            f"/api/v1/models/{self.model_id}{path}", json=body, headers=self.headers
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(
            f"/api/v1/models/{self.model_id}{path}", params=params, headers=self.headers
        )

    def send_predictions(
        self, version_id: str, records: list[dict[str, Any]], split: str = "test", **extra: Any
    ) -> dict[str, Any]:
        answer = self.post(
            f"/versions/{version_id}/predictions",
            {"dataset_split": split, "records": records, **extra},
        )
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def send_labels(
        self, version_id: str, labels: list[dict[str, Any]], split: str = "test"
    ) -> dict[str, Any]:
        answer = self.post(
            f"/versions/{version_id}/labels", {"dataset_split": split, "labels": labels}
        )
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def catch_up(self) -> None:
        self.container.engine.catch_up_all(budget_seconds=60)

    def summary(self, **params: Any) -> dict[str, Any]:
        self.catch_up()
        answer = self.get("/performance/summary", **params)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def head(self) -> int:
        return self.container.engine.log.head()

    def position_of(self, token: int) -> int:
        """The event-store position a token given to this scenario's organization names."""
        return self.container.positions.read(self._organization(), token)

    def token_of(self, position: int) -> int:
        """The token naming `position` for this scenario's organization."""
        return self.container.positions.token(self._organization(), position)

    def _organization(self) -> str:
        claims = jwt.decode(bearer_token(self.headers["Authorization"]),
                            options={"verify_signature": False})
        return str(claims["org"])
