"""The alert-rule, alert-record and webhook operations, fuzzed with schemathesis against a rule,
its records and a webhook that exist (the general fuzz test reaches them by unknown ids only):
no answer is 5xx."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis import GenerationMode

from perfledger.api.app import create_app
from perfledger.api.bootstrap import Container
from perfledger.api.settings import Settings
from tests.conftest import app_serving, eager_container
from tests.integration.test_fuzz_openapi import EXAMPLES, server_errors
from tests.integration.test_v3_alert_rules import HOOK, day_rows, evaluate, publish, rule_body
from tests.v3 import create_model, create_project, model_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_allow="127.0.0.1:*", consistency_timeout=0.05)


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[TestClient[Any], Container]]:
    container = eager_container(settings)
    with TestClient(app_serving(container)) as client:
        yield client, container
    container.close()


def existing(client: TestClient[Any], container: Container, headers: dict[str, str]
             ) -> dict[str, str]:
    """A v3 model with a rule that has records, and a webhook."""
    body = model_body(create_project(client, headers), event_ts_col="ts")
    body["schema"]["columns"].append({"name": "ts", "data_type": "timestamp"})
    model = create_model(client, headers, body)
    publish(client, headers, model["id"], day_rows(1, 5, 5))
    rule = client.post("/v3/alert-rules", json=rule_body(model["id"]), headers=headers)
    assert rule.status_code == 200, rule.text
    assert evaluate(container) == 1
    hook = client.post("/v2/webhooks", headers=headers,
                       json={"name": "ops", "url": HOOK, "provider": "SLACK"})
    assert hook.status_code == 200, hook.text
    rule_id = rule.json()["data"]["id"]
    return {"alert_rule_id": rule_id, "alert_config_id": rule_id,
            "webhook_id": hook.json()["data"]["id"]}


def test_no_alert_operation_answers_5xx_to_fuzzed_input(
    served: tuple[TestClient[Any], Container], admin: dict[str, str]
) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    client, container = served
    ids = existing(client, container, admin)
    schema = schemathesis.openapi.from_dict(create_app(container).openapi_schema.to_schema())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(("/v3/alert-", "/v2/")):
            continue
        known = {name: value for name, value in ids.items() if f"{{{name}}}" in operation.path}
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
        )

        failures += server_errors(client, admin, cases, 4 * EXAMPLES)
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:20])
