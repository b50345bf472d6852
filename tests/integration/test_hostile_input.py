"""Input built to break the service gets a 4xx naming the problem, appends nothing, and leaves
the projections following the log: NUL characters, deep JSON, numbers past 64 bits, moments
past year 9999, malformed filter rules."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.domain.bounded_json import MAX_JSON_DEPTH
from perfledger.domain.errors import InvalidInput
from tests.scenario import Scenario
from tests.v3 import create_project, model_body, rules

NUL = "a\u0000b"
BEYOND_64_BITS = str(2**63)


@pytest.fixture
def binary(scenario: Scenario) -> Scenario:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    return scenario


def refused(scenario: Scenario, answer: Any, status: int = 400) -> str:
    """The answer's status is `status`, the log did not grow, and the projections still
    reach the log's head. Returns the error text."""
    assert answer.status_code == status, answer.text
    scenario.catch_up()
    head = scenario.head()
    engine = scenario.container.engine
    assert engine.visible_position(list(engine.projections)) == head
    return str(answer.text)


def appends_nothing(scenario: Scenario, send: Any, status: int = 400) -> str:
    head = scenario.head()
    text = refused(scenario, send(), status)
    assert scenario.head() == head, "a refused command appended an event"
    return text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/versions/v1/predictions",
         {"dataset_split": "test", "records": [{"row_id": NUL, "predicted_label": "no"}]},
         "row_ids[0]"),
        ("/versions/v1/predictions",
         {"dataset_split": "test", "batch_id": NUL,
          "records": [{"row_id": "r", "predicted_label": "no"}]},
         "batch_id"),
        ("/versions/v1/predictions",
         {"dataset_split": "test",
          "records": [{"row_id": "r", "predicted_label": "no", "features": {NUL: 1}}]},
         "features"),
        ("/versions", {"version_id": "v2", "description": NUL}, "description"),
        ("/versions/v1/promote", {"reason": NUL}, "reason"),
    ],
)
def test_nul_characters_in_v1_bodies_are_refused_by_name(
    binary: Scenario, path: str, body: dict[str, Any], field: str
) -> None:
    text = appends_nothing(binary, lambda: binary.post(path, body))
    assert "NUL character" in text and field in text


def test_the_refused_row_can_be_sent_without_its_nul_afterwards(binary: Scenario) -> None:
    record = {"row_id": NUL, "predicted_label": "no", "true_label": "yes"}
    appends_nothing(binary, lambda: binary.post(
        "/versions/v1/predictions", {"dataset_split": "test", "records": [record]}))
    binary.send_predictions("v1", [{**record, "row_id": "ab"}])
    assert binary.summary()["labeled_count"] == 1


def test_nul_characters_in_v3_and_v2_bodies_are_refused_in_their_dialects(
    binary: Scenario,
) -> None:
    client, headers = binary.client, binary.headers
    text = appends_nothing(binary, lambda: client.post(
        "/v3/projects", json={"name": NUL}, headers=headers))
    assert json.loads(text)["error"]["code"] == 400 and "name contains" in text
    project_id = create_project(client, headers)
    appends_nothing(binary, lambda: client.post(
        "/v3/models", json=model_body(project_id, description=NUL), headers=headers))
    job = client.post("/api/v2/jobs", json={"title": "triage", "decisions": ["a", "b"]},
                      headers=headers).json()
    text = appends_nothing(binary, lambda: client.post("/api/v1/events/", json={
        "job_id": job["job_id"], "raw_body": {"host": NUL, "arcanna": {"result_label": "a"}}},
        headers=headers))
    assert json.loads(text)["error"].startswith("fields[0].host contains the NUL")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/models/{model}/versions/a%00b",
        "/api/v1/models/{model}/performance/summary?version_id=a%00b",
        "/v3/models?search=a%00b",
        "/api/v2/jobs/a%00b",
    ],
)
def test_nul_characters_in_urls_are_refused(binary: Scenario, url: str) -> None:
    answer = binary.client.get(url.format(model=binary.model_id), headers=binary.headers)
    assert "NUL character" in refused(binary, answer)


def test_filters_asking_for_nul_characters_are_refused(binary: Scenario) -> None:
    client, headers = binary.client, binary.headers
    answer = client.get("/v3/models", params={"filter": rules(("name", "equal", NUL))},
                        headers=headers)
    assert "filter.rules[0].value contains the NUL" in refused(binary, answer)
    job = client.post("/api/v2/jobs", json={"title": "t", "decisions": ["a", "b"]},
                      headers=headers).json()
    answer = client.post("/api/v2/metrics/job", params={"job_id": job["job_id"]},
                         json={"filters": [{"field": "host", "operator": "is", "value": NUL}]},
                         headers=headers)
    assert "without U+0000" in refused(binary, answer)
    answer = client.post("/api/v2/metrics/job", params={"job_id": job["job_id"]},
                         json={"filters": [{"field": NUL, "operator": "exists"}]},
                         headers=headers)
    assert "not a dotted path of plain names" in refused(binary, answer)


@pytest.mark.parametrize(
    ("field", "operator"), [(["name"], "equal"), ("name", ["equal"]), ({"a": 1}, "equal")]
)
def test_v3_filter_rules_with_non_text_fields_or_operators_are_400(
    binary: Scenario, field: Any, operator: Any
) -> None:
    body = json.dumps({"condition": "AND",
                       "rules": [{"field": field, "operator": operator, "value": "x"}]})
    answer = binary.client.get("/v3/models", params={"filter": body}, headers=binary.headers)
    assert "filter.rules[0]" in refused(binary, answer)


@pytest.mark.parametrize("opening", [b'{"name":', b"["])
def test_json_nested_past_the_decoding_limit_is_400(binary: Scenario, opening: bytes) -> None:
    closing = b"}" if opening.startswith(b"{") else b"]"
    body = opening * 5000 + b"1" + closing * 5000
    text = appends_nothing(binary, lambda: binary.client.post(
        "/api/v1/models", content=body,
        headers={**binary.headers, "content-type": "application/json"}))
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in text


def nested(levels: int) -> Any:
    return [] if levels == 1 else [nested(levels - 1)]


def test_json_up_to_the_depth_bound_is_kept_and_read_back(binary: Scenario) -> None:
    """An event nested as deep as the bound is stored, projected and exported; a few levels
    past it (a decoder's own frames are allowed for) is refused. The body and raw_body are
    the first 2 levels."""
    client, headers = binary.client, binary.headers
    job = client.post("/api/v2/jobs", json={"title": "t", "decisions": ["a", "b"]},
                      headers=headers).json()

    def send(levels: int) -> Any:
        return client.post("/api/v1/events/", json={"job_id": job["job_id"], "raw_body": {
            "trace": nested(levels - 2), "arcanna": {"result_label": "a"}}}, headers=headers)

    appends_nothing(binary, lambda: send(MAX_JSON_DEPTH + 10))
    accepted = send(MAX_JSON_DEPTH)
    assert accepted.status_code == 200, accepted.text
    binary.catch_up()
    exported = client.get(f"/api/v1/events/{job['job_id']}/{accepted.json()['event_id']}/export",
                          headers=headers)
    assert exported.status_code == 200, exported.text
    assert exported.json()["arcanna_event"]["trace"] == nested(MAX_JSON_DEPTH - 2)


def test_deep_json_in_a_v3_filter_or_artifact_body_is_400(binary: Scenario) -> None:
    client, headers = binary.client, binary.headers
    deep = "[" * 500 + "]" * 500
    answer = client.get("/v3/models", params={"filter": deep}, headers=headers)
    assert "nests deeper" in refused(binary, answer)
    project_id = create_project(client, headers)
    model = client.post("/v3/models", json=model_body(project_id), headers=headers).json()
    params = '{"a":' * 500 + "1" + "}" * 500
    body = f'{{"file_id": "{uuid.uuid4()}", "deployment_params": {params}}}'
    text = appends_nothing(binary, lambda: client.post(
        f"/v3/models/{model['data']['id']}/deploy-artifact", content=body,
        headers={**headers, "content-type": "application/json"}))
    assert "nests deeper" in text


def test_positions_and_offsets_beyond_64_bits_are_400(binary: Scenario) -> None:
    client, headers = binary.client, binary.headers
    summary = f"/api/v1/models/{binary.model_id}/performance/summary"
    history = f"/api/v1/models/{binary.model_id}/history"
    for url, params in [(summary, {"min_position": BEYOND_64_BITS}),
                        (history, {"after": BEYOND_64_BITS}),
                        ("/v3/models", {"offset": BEYOND_64_BITS}),
                        ("/v3/projects", {"offset": BEYOND_64_BITS})]:
        answer = client.get(url, params=params, headers=headers)
        assert next(iter(params)) in refused(binary, answer)


def test_largest_64_bit_offset_is_an_empty_page(binary: Scenario) -> None:
    answer = binary.client.get("/v3/models", params={"offset": str(2**63 - 1)},
                               headers=binary.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["items"] == []


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_moments_that_leave_years_1_to_9999_in_utc_are_refused(binary: Scenario, moment: str
                                                               ) -> None:
    record = {"row_id": "r", "predicted_label": "no", "timestamp": moment}
    text = appends_nothing(binary, lambda: binary.post(
        "/versions/v1/predictions", {"dataset_split": "test", "records": [record]}))
    assert "years 1 to 9999" in text
    answer = binary.get("/performance/summary", as_of=moment)
    assert "years 1 to 9999" in refused(binary, answer)


@pytest.mark.parametrize(("moment", "why"), [
    ("1969-12-31T23:59:59Z", "before 1970-01-01"),
    ("<in two days>", "more than a day after the service's clock"),
])
def test_row_times_before_1970_or_more_than_a_day_ahead_are_refused(
        binary: Scenario, moment: str, why: str) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    records = [{"row_id": "fine", "predicted_label": "no", "timestamp": "1970-01-01"},
               {"row_id": "bad", "predicted_label": "no",
                "timestamp": ahead if moment == "<in two days>" else moment}]
    text = appends_nothing(binary, lambda: binary.post(
        "/versions/v1/predictions", {"dataset_split": "test", "records": records}))
    [problem] = json.loads(text)["extra"]["invalid_records"]
    assert (problem["index"], problem["field"]) == (1, "timestamp") and why in problem["message"]
    accepted = binary.post("/versions/v1/predictions",
                           {"dataset_split": "test", "records": records[:1]})
    assert accepted.status_code == 202, accepted.text


def test_v2_confidence_too_large_for_a_float_is_400(
    binary: Scenario, client: TestClient[Any], container: Container
) -> None:
    job = client.post("/api/v2/jobs", json={"title": "t", "decisions": ["a", "b"]},
                      headers=binary.headers).json()
    too_large = "1" + "0" * 400
    body = (f'{{"job_id": {job["job_id"]}, "raw_body": {{"arcanna": {{"result_label": "a", '
            f'"confidence": {too_large}}}}}}}')
    text = appends_nothing(binary, lambda: client.post(
        "/api/v1/events/", content=body,
        headers={**binary.headers, "content-type": "application/json"}))
    assert "confidence" in text


def test_a_read_asking_the_database_for_nul_is_an_invalid_input(container: Container) -> None:
    """The last line: whatever reaches SQL with U+0000 is a 400, not a driver's error (SQLite
    can hold it, and finds nothing)."""
    with container.database.read() as tx:
        if container.database.dialect == "sqlite":
            assert tx.rows("SELECT 1 WHERE ? = 'ab'", [NUL]) == []
            return
        with pytest.raises(InvalidInput, match="NUL character"):
            tx.rows("SELECT 1 WHERE ? = 'ab'", [NUL])
