"""The dashboard writes through the API: a monitor created, paused, resumed and deleted on
the model page, a webhook created, paused, resumed and deleted on the models page, and the
API's refusal shown in the form, in headless Chromium on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from perfledger.api.settings import Settings
from tests.e2e.conftest import LiveServer, started_server
from tests.e2e.dashboard_support import DemoServer, PageWatch, chromium, signed_in_context
from tests.waiting import wait_for


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[LiveServer, str, str]]:
    """A live server, its first token, and a model with a trained version."""
    with started_server(settings, tmp_path,
                        {"PERFLEDGER_WEBHOOK_ALLOW": "127.0.0.1:*"}) as server:
        token = server.first_token()
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as api:
            model = api.post("/api/v1/models", json={
                "name": "churn", "task": "binary_classification",
                "labels": ["stay", "churn"]}).json()
            versions = f"/api/v1/models/{model['id']}/versions"
            api.post(versions, json={"version_id": "v1"})
            for status in ("training", "trained"):
                api.patch(f"{versions}/v1", json={"status": status})
            sent = api.post(f"{versions}/v1/predictions", json={
                "dataset_split": "production", "records": [
                    {"row_id": f"r{i}", "predicted_label": "churn" if i % 2 else "stay",
                     "true_label": "churn" if i % 3 else "stay"} for i in range(30)]}).json()
            api.post(f"{versions}/v1/promote", json={"reason": "first"})
            wait_for(lambda: api.get(f"/api/v1/models/{model['id']}/performance/summary", params={
                "dataset_split": "production", "min_position": sent["position"]}
            ).status_code == 200, "the model's rows to be read")
        yield server, token, model["id"]


@pytest.fixture
def page(served: tuple[LiveServer, str, str]) -> Iterator[tuple[Any, PageWatch]]:
    server, token, _ = served
    with chromium() as browser:
        context = signed_in_context(
            browser, DemoServer(server.url, "fresh", token, server.env, server.log))
        tab = context.new_page()
        yield tab, PageWatch(tab, server.url)
        context.close()


def monitors_of(server: LiveServer, token: str, model_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/api/v1/models/{model_id}/monitors",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return list(answer.json())


def test_a_monitor_is_created_paused_resumed_and_deleted_from_the_model_page(
        served: tuple[LiveServer, str, str], page: tuple[Any, PageWatch]) -> None:
    server, token, model_id = served
    tab, watch = page
    tab.goto(f"{server.url}/ui/models/{model_id}")
    tab.click("#monitor-new")
    form = tab.locator("#monitor-form")
    form.locator("select[name=metric]").select_option("balanced_accuracy")
    form.locator("input[name=tags]").fill("region=apac")
    form.locator("input[name=warning]").fill("0.8")
    form.locator("input[name=critical]").fill("0.7")
    watch.expected_statuses.add(400)
    form.locator("button[type=submit]").click()  # no name: the API refuses it
    error = tab.wait_for_selector("#monitor-form .form-error:not([hidden])")
    assert "name" in error.inner_text()
    assert monitors_of(server, token, model_id) == []  # nothing refused leaves a trace

    form.locator("input[name=name]").fill("daily accuracy, apac")
    form.locator("button[type=submit]").click()
    row = tab.wait_for_selector("#monitors-table tbody tr")
    [monitor] = monitors_of(server, token, model_id)
    assert row.get_attribute("data-monitor-id") == monitor["monitor_id"]
    assert (monitor["name"], monitor["metric"], monitor["tags"]) == (
        "daily accuracy, apac", "balanced_accuracy", {"region": "apac"})
    assert (monitor["warning"], monitor["critical"], monitor["enabled"]) == (0.8, 0.7, True)

    tab.click("#monitors-table [data-action=pause]")
    tab.wait_for_selector("#monitors-table [data-paused]")
    assert monitors_of(server, token, model_id)[0]["enabled"] is False
    tab.click("#monitors-table [data-action=resume]")
    tab.wait_for_selector("#monitors-table [data-action=pause]")
    assert monitors_of(server, token, model_id)[0]["enabled"] is True

    tab.click("#monitors-table [data-action=delete]")  # asks once more
    assert monitors_of(server, token, model_id) != []
    tab.click("#monitors-table [data-action=delete]")
    tab.wait_for_selector("#monitors >> text=No monitors watch this model yet")
    assert monitors_of(server, token, model_id) == []
    watch.assert_clean()


def test_a_webhook_is_created_paused_resumed_and_deleted_from_the_models_page(
        served: tuple[LiveServer, str, str], page: tuple[Any, PageWatch]) -> None:
    server, token, _ = served
    tab, watch = page
    headers = {"Authorization": f"Bearer {token}"}
    tab.goto(f"{server.url}/ui/")
    tab.click("#webhook-new")
    tab.locator("#webhook-form input[name=url]").fill("http://127.0.0.1:9/hook")
    tab.locator("#webhook-form input[name=name]").fill("on call")
    tab.locator("#webhook-form button[type=submit]").click()
    secret = tab.wait_for_selector("#webhook-secret code").inner_text()
    [hook] = wait_for(lambda: httpx.get(f"{server.url}/api/v1/webhooks", headers=headers).json(),
                      "the webhook, listed")
    assert (hook["name"], hook["url"]) == ("on call", "http://127.0.0.1:9/hook")
    assert hook["events"] == ["alert.raised", "alert.escalated", "alert.eased",
                              "alert.resolved"]
    assert len(secret) >= 16
    row = f"#webhooks-table tr[data-webhook-id='{hook['webhook_id']}']"
    tab.wait_for_selector(row)

    def paused() -> bool:
        found = httpx.get(f"{server.url}/api/v1/webhooks/{hook['webhook_id']}", headers=headers)
        return bool(found.json()["paused"])

    tab.click(f"{row} [data-action=pause]")
    tab.wait_for_selector(f"{row}[data-paused=true]")
    assert paused() is True
    tab.click(f"{row} [data-action=resume]")
    tab.wait_for_selector(f"{row}[data-paused=false]")
    assert paused() is False

    tab.click("#webhooks-table [data-action=delete]")
    tab.click("#webhooks-table [data-action=delete]")
    tab.wait_for_selector("#webhooks >> text=No webhooks")
    assert httpx.get(f"{server.url}/api/v1/webhooks", headers=headers).json() == []
    watch.assert_clean()
