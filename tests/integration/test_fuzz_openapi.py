"""Every operation of the OpenAPI document, fuzzed with schemathesis on both backends: valid and
invalid parameters and bodies, against real resources and unknown ones, never answer 5xx.

Bounded in time: PERFLEDGER_FUZZ_EXAMPLES (default 12) examples of each kind per operation.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis import GenerationMode

from perfledger.api.app import create_app
from perfledger.api.bootstrap import Container
from perfledger.api.settings import Settings
from tests.conftest import app_serving, eager_container
from tests.scenario import Scenario
from tests.v3 import create_model, create_project, model_body

EXAMPLES = int(os.environ.get("PERFLEDGER_FUZZ_EXAMPLES", "12"))
BASE_URL = "http://testserver.local"


def real_ids(client: TestClient[Any], container: Container, headers: dict[str, str]
             ) -> dict[str, str]:
    """Resources that exist, so that fuzzed requests reach past the lookups."""
    scenario = Scenario(client, container, headers)
    scenario.create_model(name="fuzzed", task="binary_classification", labels=["no", "yes"],
                          inputs=["age"], columns=[{"name": "age", "type": "float", "min": 0,
                                                    "max": 100}])
    scenario.trained_version()
    scenario.send_predictions("v1", [{"row_id": "r1", "predicted_label": "yes",
                                      "true_label": "no", "score": 0.7,
                                      "features": {"age": 30.0}, "tags": {"region": "eu"}}])
    scenario.post("/baselines", {"name": "production", "type": "static",
                                 "dataset_split": "production"})
    project = create_project(client, headers)
    v3_model = create_model(client, headers, model_body(project))
    job = client.post("/api/v2/jobs", json={"title": "fuzz", "decisions": ["a", "b"]},
                      headers=headers).json()["job_id"]
    client.post(f"/api/v2/jobs/{job}/events", json={"events": [{"event_id": "e1",
                                                                "decision": "a"}]},
                headers=headers)
    return {"model_id": scenario.model_id, "version_id": "v1", "project_id": project,
            "job_id": str(job), "event_id": "e1", "column_id": "age",
            "v3_model_id": v3_model["id"]}


def request_of(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Schemathesis' request arguments, as the test client (httpx) takes them."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    kwargs.pop("cookies", None)
    if kwargs.get("files"):  # the test client sends text or bytes parts, as a wire would
        kwargs["files"] = [(name, (filename, value if isinstance(value, bytes | str)
                                   else str(value), *rest))
                           for name, (filename, value, *rest) in kwargs["files"]]
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    return dict(kwargs)


def server_errors(client: TestClient[Any], headers: dict[str, str], cases: Any,
                  examples: int) -> list[str]:
    """The 5xx answers (other than the contract's 503 with Retry-After) to `examples`
    requests drawn from `cases`, each with the curl command that reproduces it."""
    failures: list[str] = []

    @settings(max_examples=examples, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def call(case: Any) -> None:
        answer = client.request(**request_of(case, headers))
        not_yet = answer.status_code == 503 and "Retry-After" in answer.headers
        if answer.status_code >= 500 and not not_yet:
            failures.append(f"{case.method} {case.formatted_path} -> {answer.status_code}:"
                            f" {answer.text[:300]}\n  {case.as_curl_command()[:600]}")

    call()
    return failures


@pytest.fixture
def impatient(settings: Settings) -> Iterator[tuple[TestClient[Any], Container]]:
    """The service waiting 50 ms, not 5 s, for a `min_position` it has not reached: fuzzed
    positions are mostly in the future, and their 503 is the contract's answer."""
    container = eager_container(replace(settings, consistency_timeout=0.05))
    with TestClient(app_serving(container)) as client:
        yield client, container
    container.close()


def test_no_operation_answers_5xx_to_fuzzed_input(
    impatient: tuple[TestClient[Any], Container], admin: dict[str, str]
) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # thousands of requests
    client, container = impatient
    ids = real_ids(client, container, admin)
    schema = schemathesis.openapi.from_dict(create_app(container).openapi_schema.to_schema())
    headers = admin
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        known = {name: ids["v3_model_id"] if name == "model_id" and "/v3/" in operation.path
                 else ids[name] for name in re.findall(r"{(\w+)", operation.path) if name in ids}
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
        )

        failures += server_errors(client, headers, cases, 3 * EXAMPLES)
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:20])


def test_every_route_answers_options_and_head_as_http_says(
    impatient: tuple[TestClient[Any], Container], admin: dict[str, str]
) -> None:
    """OPTIONS names the path's methods (no credential needed), HEAD answers as GET does
    without the body, any other method the path lacks is refused (405, or 401/404 before
    it), and none is ever a 5xx, with or without a credential."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    client, container = impatient
    ids = real_ids(client, container, admin)
    document = create_app(container).openapi_schema.to_schema()
    failures = []
    for template, operations in document["paths"].items():
        known = {**ids, "model_id": ids["v3_model_id"]} if "/v3/" in template else ids
        path = re.sub(r"{(\w+)}", lambda m, known=known: known.get(m[1], "unknown"), template)
        methods = {method.upper() for method in operations} & {"GET", "POST", "PUT", "PATCH",
                                                               "DELETE"}
        for headers in (admin, {}):
            options = client.options(path, headers=headers)
            allowed = set(options.headers.get("allow", "").replace(" ", "").split(","))
            if options.status_code != 204 or not methods <= allowed:
                failures.append(f"OPTIONS {path}: {options.status_code} allow {allowed}")
            for other in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
                refused = client.request(other, path, headers=headers)
                if refused.status_code not in (401, 404, 405):
                    failures.append(f"{other} {path}: {refused.status_code}, not one of its"
                                    f" methods {sorted(methods)}")
            if "GET" not in methods:
                continue
            head, get = client.head(path, headers=headers), client.get(path, headers=headers)
            if head.status_code != get.status_code or head.content or head.status_code >= 500:
                failures.append(f"HEAD {path}: {head.status_code} ({len(head.content)} bytes)"
                                f", GET {get.status_code}")
    assert not failures, "\n".join(failures[:30])
