"""Walks the v2 jobs API through common steps, keeping what was sent for the oracle."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.job_oracle import Recorded


class JobScenario:
    """One job driven through HTTP; `recorded` mirrors what was sent, for expected values."""

    def __init__(self, client: TestClient[Any], container: Container, headers: dict[str, str]):
        self.client = client
        self.container = container
        self.headers = headers
        self.job_id = 0
        self.recorded = Recorded([])

    def create_job(self, title: str, decisions: list[str], **extra: Any) -> dict[str, Any]:
        answer = self.client.post("/api/v2/jobs", json={"title": title, "decisions": decisions,
                                                         **extra}, headers=self.headers)
        assert answer.status_code == 201, answer.text
        self.job_id = answer.json()["job_id"]
        self.recorded = Recorded(decisions, answer.json()["minutes_per_event"])
        return dict(answer.json())

    def send_events(self, events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        answer = self.client.post(f"/api/v2/jobs/{self.job_id}/events",
                                  json={"events": events, **extra}, headers=self.headers)
        assert answer.status_code == 202, answer.text
        self.recorded.add_events(events, answer.json()["event_ids"], self.active_model_id())
        return dict(answer.json())

    def feedback(self, event_id: str, label: str, user: str) -> None:
        answer = self.client.put(
            f"/api/v2/events/{self.job_id}/{event_id}/feedback",
            params={"feedback_label": label, "user": user}, headers=self.headers)
        assert answer.status_code == 200, answer.text
        self.recorded.add_feedback(event_id, user, label)

    def train(self) -> str:
        answer = self.client.post(f"/api/v2/jobs/{self.job_id}/train", headers=self.headers)
        assert answer.status_code == 200, answer.text
        model_id = str(answer.json()["model_id"])
        self.recorded.train(model_id)
        return model_id

    def active_model_id(self) -> str | None:
        return self.recorded.models[-1] if self.recorded.models else None

    def metrics(self, filters: list[dict[str, Any]] | None = None, **params: Any
                ) -> dict[str, Any]:
        answer = self.client.post("/api/v2/metrics/job", params={"job_id": self.job_id, **params},
                                  json={"filters": filters} if filters else {},
                                  headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def head(self) -> int:
        return self.container.engine.log.head()
