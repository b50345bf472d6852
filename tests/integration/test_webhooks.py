"""Webhooks deliver alerts to a real receiver on loopback (allowed by the operator): each
delivery is signed and carries a stable id, a failing receiver gets retries that the
deliveries log records, a restart between attempts loses nothing, and a private address the
operator did not allow is refused at registration."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from perfledger.api.settings import Settings
from perfledger.scheduler.tasks import TaskContext, deliver_webhooks
from perfledger.scheduler.webhooks import delivery
from perfledger.scheduler.webhooks.delivery import Deliverer
from perfledger.scheduler.webhooks.signing import verify
from tests.conftest import bearer, eager_container
from tests.integration.test_monitors import create_monitor, evaluate, model_with_days
from tests.receiver import Receiver
from tests.scenario import Scenario


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_allow="127.0.0.1:*")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver([500, 500])
    yield found
    found.server.shutdown()


def deliver(container: Any) -> None:
    deliverer = Deliverer(container.database, container.services.monitoring.allowance)
    try:
        deliver_webhooks(TaskContext(container.engine, container.ledger, container.positions,
                                     deliverer=deliverer))
    finally:
        deliverer.close()


def test_an_alert_reaches_the_receiver_signed_retried_and_logged_across_a_restart(
        scenario: Scenario, receiver: Receiver, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "retry_delay", lambda attempts: 0.0)  # no waiting here
    created = scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
        "url": receiver.url, "events": ["alert.raised", "alert.resolved"], "name": "pager"})
    assert created.status_code == 201, created.text
    webhook = created.json()
    assert len(webhook["secret"]) >= 32
    version = model_with_days(scenario, {1: (5, 5)})
    create_monitor(scenario, version=version, critical=0.8)
    assert evaluate(scenario) == 1

    deliver(scenario.container)  # attempt 1: 500
    restarted = eager_container(settings)  # the service restarts between attempts
    try:
        deliver(restarted)  # attempt 2: 500
        deliver(restarted)  # attempt 3: 200
        deliver(restarted)  # nothing left to send
    finally:
        restarted.close()

    assert [status for _, _, status in receiver.requests] == [500, 500, 200]
    ids = {headers["X-Perfledger-Delivery"] for headers, _, _ in receiver.requests}
    assert len(ids) == 1
    for headers, body, _ in receiver.requests:
        assert verify(body, webhook["secret"], headers["X-Perfledger-Signature"])
        assert int(headers["X-Perfledger-Timestamp"]) > 0
    sent = json.loads(receiver.requests[-1][1])
    assert sent["type"] == "alert.raised" and sent["delivery_id"] in ids
    assert sent["model"]["id"] == scenario.model_id
    assert (sent["alert"]["severity"], sent["alert"]["value"]) == ("critical", 0.5)

    log = scenario.client.get(f"/api/v1/webhooks/{webhook['webhook_id']}/deliveries",
                              headers=scenario.headers)
    assert log.status_code == 200, log.text
    [logged] = log.json()
    assert logged["state"] == "delivered" and logged["delivery_id"] in ids
    assert [a["status_code"] for a in logged["attempts"]] == [500, 500, 200]
    assert [a["attempt"] for a in logged["attempts"]] == [1, 2, 3]

    scraped = scenario.client.get("/metrics").text
    states = {sample.labels["state"]: sample.value
              for family in text_string_to_metric_families(scraped)
              if family.name == "perfledger_webhook_deliveries" for sample in family.samples}
    assert states == {"pending": 0, "delivered": 1, "failed": 0, "cancelled": 0}


def test_each_webhook_gets_its_deliveries_in_order_and_a_deleted_one_none(
        scenario: Scenario, receiver: Receiver) -> None:
    receiver.statuses.clear()
    created = scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
        "url": receiver.url, "events": ["alert.raised", "version.promoted"]}).json()
    version = model_with_days(scenario, {1: (5, 5), 2: (4, 6), 3: (10, 0)})
    create_monitor(scenario, version=version, critical=0.8)
    assert evaluate(scenario) == 2
    assert scenario.post(f"/versions/{version}/promote", {}).status_code == 200
    scenario.catch_up()
    deliver(scenario.container)
    kinds = [json.loads(body)["type"] for _, body, _ in receiver.requests]
    assert kinds == ["alert.raised", "alert.raised", "version.promoted"]
    positions = [scenario.position_of(json.loads(body)["alert"]["position"])
                 for _, body, _ in receiver.requests[:2]]
    assert positions == sorted(positions)  # the organization's tokens name them in order

    gone = scenario.client.delete(f"/api/v1/webhooks/{created['webhook_id']}",
                                  headers=scenario.headers)
    assert gone.status_code == 200, gone.text
    scenario.catch_up()
    assert scenario.post("/versions/v1/promote", {}).status_code == 409  # already promoted
    deliver(scenario.container)
    assert len(receiver.requests) == 3


@pytest.mark.parametrize("url", [
    "https://10.1.2.3/hook", "http://192.168.1.10/hook", "https://169.254.169.254/latest",
    "http://[::1]:8080/hook", "ftp://example.com/hook", "https://user:pw@example.com/hook",
])
def test_a_url_into_the_operators_network_is_refused_at_registration(
        scenario: Scenario, url: str) -> None:
    head = scenario.head()
    answer = scenario.client.post("/api/v1/webhooks", headers=scenario.headers,
                                  json={"url": url, "events": ["alert.raised"]})
    assert answer.status_code == 400, answer.text
    assert "url" in answer.text
    assert scenario.head() == head


def test_webhooks_belong_to_their_organization(scenario: Scenario, receiver: Receiver) -> None:
    created = scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
        "url": receiver.url, "events": ["alert.raised"]}).json()
    other = bearer(str(uuid.uuid4()))
    url = f"/api/v1/webhooks/{created['webhook_id']}"
    assert scenario.client.get(url, headers=other).status_code == 404
    assert scenario.client.get(f"{url}/deliveries", headers=other).status_code == 404
    assert scenario.client.delete(url, headers=other).status_code == 404
    assert scenario.client.get("/api/v1/webhooks", headers=other).json() == []
    listed = scenario.client.get("/api/v1/webhooks", headers=scenario.headers).json()
    assert [w["webhook_id"] for w in listed] == [created["webhook_id"]]
    assert "secret" not in listed[0]


def test_a_monitor_naming_webhooks_notifies_those_only_and_a_silenced_one_none(
        scenario: Scenario) -> None:
    receivers = [Receiver([]), Receiver([])]
    try:
        hooks = [scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
            "url": receiver.url, "events": ["alert.raised"]}).json()["webhook_id"]
            for receiver in receivers]
        version = model_with_days(scenario, {1: (5, 5)})
        create_monitor(scenario, name="first only", version=version, critical=0.8,
                       notifications={"webhooks": [hooks[0]]})
        create_monitor(scenario, name="everyone", version=version, critical=0.8)
        create_monitor(scenario, name="silenced", version=version, critical=0.8,
                       notifications={"enabled": False})
        assert evaluate(scenario) == 3
        deliver(scenario.container)

        def names(receiver: Receiver) -> list[str]:
            return sorted(json.loads(body)["alert"]["monitor_name"]
                          for _, body, _ in receiver.requests)

        assert names(receivers[0]) == ["everyone", "first only"]
        assert names(receivers[1]) == ["everyone"]
    finally:
        for receiver in receivers:
            receiver.server.shutdown()


def test_a_burst_of_registrations_ahead_of_the_catch_up_stops_at_the_caps(
        scenario: Scenario, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.api.services import monitoring

    monkeypatch.setattr(monitoring, "MAX_WEBHOOKS_PER_ORGANIZATION", 2)
    monkeypatch.setattr(monitoring, "MAX_MONITORS_PER_MODEL", 2)
    scenario.create_model(name="capped", task="binary_classification", labels=["a", "b"])
    scenario.trained_version("v1")
    engine = scenario.container.engine
    # as in service: the catch-up runs on the scheduler's next tick, not within the command
    scenario.container.wake_projections = lambda: threading.Timer(
        0.2, lambda: engine.catch_up_all(budget_seconds=60)).start()
    webhooks = [scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
        "url": receiver.url, "events": ["alert.raised"]}).status_code for _ in range(5)]
    monitors = [scenario.post("/monitors", {
        "name": f"m{n}", "metric": "accuracy", "bucket": "day", "version": "v1",
        "warning": 0.9, "critical": 0.85}).status_code for n in range(5)]
    assert (webhooks, monitors) == ([201, 201, 409, 409, 409], [201, 201, 409, 409, 409])


def test_an_organization_past_its_webhook_cap_gets_409_in_both_dialects(
        scenario: Scenario, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.api.services import monitoring

    monkeypatch.setattr(monitoring, "MAX_WEBHOOKS_PER_ORGANIZATION", 1)
    first = scenario.client.post("/api/v1/webhooks", headers=scenario.headers,
                                 json={"url": receiver.url, "events": ["alert.raised"]})
    assert first.status_code == 201, first.text
    scenario.catch_up()
    head = scenario.head()
    again = scenario.client.post("/api/v1/webhooks", headers=scenario.headers,
                                 json={"url": receiver.url, "events": ["alert.raised"]})
    fiddler = scenario.client.post("/v2/webhooks", headers=scenario.headers,
                                   json={"name": "ops", "url": receiver.url, "provider": "SLACK"})
    assert (again.status_code, fiddler.status_code) == (409, 409)
    assert scenario.head() == head


def test_a_paused_webhook_holds_what_was_pending_and_gets_nothing_of_what_happens_meanwhile(
        scenario: Scenario, receiver: Receiver) -> None:
    receiver.statuses.clear()
    created = scenario.client.post("/api/v1/webhooks", headers=scenario.headers, json={
        "url": receiver.url, "events": ["alert.raised", "version.promoted"]}).json()
    url = f"/api/v1/webhooks/{created['webhook_id']}"
    assert created["paused"] is False
    version = model_with_days(scenario, {1: (5, 5)})
    create_monitor(scenario, version=version, critical=0.8)
    assert evaluate(scenario) == 1
    queue_only = TaskContext(scenario.container.engine, scenario.container.ledger,
                             scenario.container.positions)
    deliver_webhooks(queue_only)  # the alert's delivery is written, not sent

    paused = scenario.client.patch(url, headers=scenario.headers, json={"paused": True})
    assert paused.status_code == 200 and paused.json()["paused"] is True
    scenario.catch_up()
    assert scenario.client.get(url, headers=scenario.headers).json()["paused"] is True
    assert scenario.post(f"/versions/{version}/promote", {}).status_code == 200
    scenario.catch_up()
    deliver(scenario.container)
    assert receiver.requests == []  # held while paused

    resumed = scenario.client.patch(url, headers=scenario.headers, json={"paused": False})
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    scenario.catch_up()
    deliver(scenario.container)
    assert [json.loads(body)["type"] for _, body, _ in receiver.requests] == ["alert.raised"]
    log = scenario.client.get(f"{url}/deliveries", headers=scenario.headers).json()
    assert [d["type"] for d in log] == ["alert.raised"]  # no delivery of the promotion

    refused = scenario.client.patch(url, headers=scenario.headers, json={"paused": "yes"})
    assert refused.status_code == 400 and "paused" in refused.text
