"""`GET /metrics`: the service's own figures for Prometheus, with nothing of a tenant in them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from perfledger.api.bootstrap import Container
from perfledger.api.processes import start_worker
from perfledger.api.settings import Settings
from tests.conftest import app_serving, bearer, eager_container
from tests.scenario import Scenario
from tests.waiting import wait_for

Labels = tuple[tuple[str, str], ...]
SUMMARY_ROUTE = "/api/v1/models/{model_id}/performance/summary"
PREDICTIONS = "PredictionBatch.Recorded"
TOKEN = "metrics-" + "t" * 40


def scrape(client: TestClient[Any], headers: dict[str, str] | None = None
           ) -> dict[str, dict[Labels, float]]:
    """Every sample of the answer, by name, then by its sorted labels."""
    answer = client.get("/metrics", headers=headers or {})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                sample.value
    return samples


def value(samples: dict[str, dict[Labels, float]], name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


@pytest.fixture
def model(scenario: Scenario) -> Scenario:
    scenario.create_model(name="tenant-churn-model", task="binary_classification",
                          labels=["no", "yes"])
    scenario.trained_version()
    return scenario


def predict(model: Scenario, row_id: str) -> None:
    model.send_predictions("v1", [{"row_id": row_id, "predicted_label": "yes",
                                   "true_label": "no", "score": 0.7}])


def test_metrics_are_open_and_in_the_prometheus_text_format(client: TestClient[Any]) -> None:
    samples = scrape(client)
    assert {"perfledger_event_log_head", "perfledger_projection_position",
            "perfledger_projection_lag_events", "perfledger_projection_quarantined_events",
            "perfledger_catch_up_events_applied_total",
            "perfledger_scheduler_leader"} <= set(samples)
    assert value(samples, "perfledger_scheduler_leader") == 0  # no scheduler in this process


def test_appended_events_are_counted_by_type_and_caught_up_projections_show_no_lag(
    model: Scenario,
) -> None:
    before = scrape(model.client)
    predict(model, "a")
    model.catch_up()
    after = scrape(model.client)
    appended = "perfledger_events_appended_total"
    assert value(after, appended, event_type=PREDICTIONS) == \
        value(before, appended, event_type=PREDICTIONS) + 1
    applied = "perfledger_catch_up_events_applied_total"
    assert value(after, applied, projection="performance") >= \
        value(before, applied, projection="performance") + 1
    head = model.head()
    assert value(after, "perfledger_event_log_head") == head
    for name in model.container.engine.projections:
        assert value(after, "perfledger_projection_position", projection=name) == head, name
        assert value(after, "perfledger_projection_lag_events", projection=name) == 0, name
        assert value(after, "perfledger_projection_quarantined_events", projection=name) == 0


def test_events_not_yet_caught_up_show_as_lag_until_the_catch_up(model: Scenario) -> None:
    seen = model.head()
    model.container.wake_projections = lambda: None  # nothing catches up on its own here
    predict(model, "a")
    predict(model, "b")
    behind = scrape(model.client)
    head = model.head()
    assert head >= seen + 2
    for name in model.container.engine.projections:
        assert value(behind, "perfledger_projection_position", projection=name) == seen, name
        assert value(behind, "perfledger_projection_lag_events", projection=name) == \
            head - seen, name
    model.catch_up()
    caught_up = scrape(model.client)
    for name in model.container.engine.projections:
        assert value(caught_up, "perfledger_projection_lag_events", projection=name) == 0, name


def test_requests_are_counted_by_route_template_and_never_name_a_tenant(
    model: Scenario, org: str
) -> None:
    predict(model, "row-of-a-tenant")
    assert model.get("/performance/summary").status_code == 200
    assert model.client.get(f"/api/v1/models/{model.model_id}/performance/summary"
                            ).status_code == 401
    assert model.client.get(f"/api/v1/models/{model.model_id}/nowhere",
                            headers=model.headers).status_code == 404
    answer = model.client.get("/metrics")
    samples = scrape(model.client)
    requests = "perfledger_http_requests_total"
    assert value(samples, requests, route=SUMMARY_ROUTE, method="GET", status="200") == 1
    assert value(samples, requests, route=SUMMARY_ROUTE, method="GET", status="401") == 1
    assert value(samples, requests, route="unmatched", method="GET", status="404") == 1
    assert value(samples, "perfledger_http_request_duration_seconds_count",
                 route=SUMMARY_ROUTE, method="GET", status="200") == 1
    for tenant_data in (model.model_id, org, "tenant-churn-model", "row-of-a-tenant"):
        assert tenant_data not in answer.text


@pytest.fixture
def guarded(settings: Settings) -> Iterator[TestClient[Any]]:
    """The service with PERFLEDGER_METRICS_TOKEN set."""
    container = eager_container(replace(settings, metrics_token=TOKEN))
    with TestClient(app_serving(container)) as client:
        yield client
    container.close()


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-" + TOKEN},
    {"Authorization": "Bearer"},
    {"Authorization": f"Basic {TOKEN}"},
    {"X-API-Key": TOKEN},
])
def test_a_configured_token_refuses_any_other_credential_with_401(
    guarded: TestClient[Any], headers: dict[str, str]
) -> None:
    answer = guarded.get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["status_code"] == 401 and "PERFLEDGER_METRICS_TOKEN" in \
        answer.json()["detail"]


def test_a_configured_token_opens_the_metrics_and_only_it(guarded: TestClient[Any]) -> None:
    assert scrape(guarded, {"Authorization": f"Bearer {TOKEN}"})
    # An API credential, however strong, is not the metrics token.
    admin = bearer(str(uuid.uuid4()))
    assert guarded.get("/metrics", headers=admin).status_code == 401


# On PostgreSQL, start_worker also LISTENs on a thread of its own that the test could not stop;
# the leadership reported is the same on both.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_process_reports_whether_it_leads_the_scheduler(
    container: Container, client: TestClient[Any]
) -> None:
    worker = start_worker(container)
    try:
        wait_for(lambda: value(scrape(client), "perfledger_scheduler_leader") == 1,
                 "the worker to lead", timeout=10)
    finally:
        worker.stop()
    assert value(scrape(client), "perfledger_scheduler_leader") == 0
