"""Questions asked again are answered from their cached body ahead of the router: the same
answer, headers and refusals as the full path, for the asking organization only, and never
once what they read has moved."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from perfledger.api.auth import ADMIN, VIEWER
from perfledger.api.services.answers import CachedAnswers
from perfledger.domain.values import Caller
from tests.conftest import bearer
from tests.integration.test_telemetry import SUMMARY_ROUTE, scrape, value
from tests.scenario import Scenario

DAY = {"start": "2026-11-01", "end": "2026-11-04"}
QUESTIONS: dict[str, dict[str, Any]] = {
    "/performance/summary": {"dataset_split": "production", "version_id": "v1"},
    "/performance/confusion-matrix": {"dataset_split": "production"},
    "/performance/timeseries": {**DAY, "version_id": "v1"},
    "/performance/segments": {"by": "region"},
    "/performance/compare": {"baseline": "v1", "candidate": "v2"},
}


def rows(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"row_id": f"{prefix}{i}", "predicted_label": "yes" if i % 3 else "no",
             "true_label": "yes" if i % 2 else "no", "timestamp": "2026-11-02T10:00:00Z",
             "tags": {"region": "eu" if i % 4 else "us"}}
            for i in range(count)]


@pytest.fixture
def model(scenario: Scenario) -> Scenario:
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"])
    for version in ("v1", "v2"):
        scenario.trained_version(version)
        scenario.send_predictions(version, rows("r", 40), split="production")
    scenario.catch_up()
    return scenario


@pytest.fixture
def full_path_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The questions that went the full path (through the handlers' `serve`)."""
    served: list[str] = []
    serve = CachedAnswers.serve

    async def counted(self: CachedAnswers, *args: Any, **kwargs: Any) -> tuple[bytes, int]:
        served.append(str(args[2][0]))  # the key's kind
        return await serve(self, *args, **kwargs)

    monkeypatch.setattr(CachedAnswers, "serve", counted)
    yield served


def same_answer(first: Any, again: Any) -> None:
    assert again.status_code == first.status_code == 200, again.text
    assert again.content == first.content
    # Everything but the date the server stamps on each answer.
    assert ({k: v for k, v in again.headers.items() if k != "date"}
            == {k: v for k, v in first.headers.items() if k != "date"})


def test_a_question_asked_again_gets_the_same_answer_without_the_full_path(
        model: Scenario, full_path_answers: list[str]) -> None:
    firsts = {path: model.get(path, **params) for path, params in QUESTIONS.items()}
    assert len(full_path_answers) == len(QUESTIONS)
    for path, params in QUESTIONS.items():
        same_answer(firsts[path], model.get(path, **params))
    assert len(full_path_answers) == len(QUESTIONS)  # the second round skipped the handlers


def test_the_answers_sent_again_are_counted_under_their_route(model: Scenario) -> None:
    summary = QUESTIONS["/performance/summary"]
    before = value(scrape(model.client), "perfledger_http_requests_total", route=SUMMARY_ROUTE,
                   method="GET", status="200")
    for _ in range(3):
        assert model.get("/performance/summary", **summary).status_code == 200
    after = value(scrape(model.client), "perfledger_http_requests_total", route=SUMMARY_ROUTE,
                  method="GET", status="200")
    assert after - before == 3


def test_another_organization_asking_the_same_path_gets_its_own_answer(
        model: Scenario, full_path_answers: list[str]) -> None:
    url = f"/api/v1/models/{model.model_id}/performance/summary"
    params = QUESTIONS["/performance/summary"]
    assert model.get("/performance/summary", **params).status_code == 200
    stranger = model.client.get(url, params=params, headers=bearer(str(uuid.uuid4()), ADMIN))
    assert stranger.status_code == 404, stranger.text
    assert full_path_answers == ["summary", "summary"]


def test_a_remembered_question_still_checks_the_credential_and_its_scope(
        model: Scenario, org: str) -> None:
    url = f"/api/v1/models/{model.model_id}/performance/summary"
    params = QUESTIONS["/performance/summary"]
    assert model.get("/performance/summary", **params).status_code == 200

    writer = model.client.get(url, params=params, headers=bearer(org, "model:write"))
    assert writer.status_code == 403, writer.text
    expired = model.client.get(url, params=params, headers=bearer(org, ADMIN, ttl=-30))
    assert expired.status_code == 401, expired.text
    assert "expired" in expired.text
    malformed = model.client.get(url, params=params, headers={"Authorization": "Bearer x.y.z"})
    assert malformed.status_code == 401, malformed.text
    viewer = model.client.get(url, params=params, headers=bearer(org, VIEWER))
    assert viewer.status_code == 200 and viewer.content == model.get(
        "/performance/summary", **params).content
    _, key = model.container.ledger.mint_api_key(Caller(org), ["model:read"])
    with_key = model.client.get(url, params=params, headers={"X-API-Key": key})
    assert with_key.status_code == 200 and with_key.json() == viewer.json()


def test_a_write_to_the_series_sends_its_question_the_full_path_again(
        model: Scenario, full_path_answers: list[str]) -> None:
    params = QUESTIONS["/performance/summary"]
    assert model.get("/performance/summary", **params).json()["sample_count"] == 40
    assert model.get("/performance/summary", **params).json()["sample_count"] == 40
    assert full_path_answers == ["summary"]

    model.send_predictions("v1", rows("more", 5), split="production")
    model.catch_up()
    assert model.get("/performance/summary", **params).json()["sample_count"] == 45
    assert full_path_answers == ["summary", "summary"]


def test_a_question_asking_for_a_shown_position_is_remembered_and_a_long_one_is_not(
        model: Scenario, full_path_answers: list[str]) -> None:
    """A client polling after its last write sends the same `min_position` each time."""
    waiting = {**QUESTIONS["/performance/summary"], "min_position": model.token_of(model.head())}
    first = model.get("/performance/summary", **waiting)
    same_answer(first, model.get("/performance/summary", **waiting))
    assert full_path_answers == ["summary"]

    # long and valid (an unknown parameter is refused): two tag filters of 256 characters,
    # each 6 bytes once percent-encoded
    long = {**QUESTIONS["/performance/timeseries"], "tag.region": "é" * 256, "tag.tier": "é" * 256}
    for _ in range(2):
        answer = model.get("/performance/timeseries", **long)
        assert answer.status_code == 200, answer.text
    assert full_path_answers == ["summary", "timeseries", "timeseries"]

    # A later write: the question asking to see it is a new one, answered the long way once
    # it is shown.
    model.send_predictions("v1", rows("more", 5), split="production")
    model.catch_up()
    after = {**waiting, "min_position": model.token_of(model.head())}
    assert model.get("/performance/summary", **after).json()["sample_count"] == 45
    assert full_path_answers == ["summary", "timeseries", "timeseries", "summary"]


def test_a_window_ending_with_the_current_bucket_is_remembered_until_that_bucket_ends(
        model: Scenario, full_path_answers: list[str]) -> None:
    real = model.container.services.answers
    clock = [0.0]
    answers = CachedAnswers(model.container.services.read, model.container.responses,
                            clock=lambda: clock[0])
    model.container.services = dataclasses.replace(model.container.services, answers=answers)
    try:
        import time

        clock[0] = time.time()
        hourly = {"bucket": "hour", "version_id": "v1"}  # no end: the hour holding now
        first = model.get("/performance/timeseries", **hourly)
        same_answer(first, model.get("/performance/timeseries", **hourly))
        assert full_path_answers == ["timeseries"]

        next_hour = (int(clock[0]) // 3600 + 1) * 3600
        clock[0] = next_hour - 0.001
        model.get("/performance/timeseries", **hourly)
        assert full_path_answers == ["timeseries"]
        clock[0] = next_hour
        model.get("/performance/timeseries", **hourly)
        assert full_path_answers == ["timeseries"] * 2
    finally:
        model.container.services = dataclasses.replace(model.container.services, answers=real)
