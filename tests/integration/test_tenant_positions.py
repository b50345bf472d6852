"""Positions as each organization sees them: its own writes move them, nobody else's do."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from tests.conftest import bearer
from tests.scenario import Scenario

ROWS = [{"row_id": "a", "prediction": 1.0, "target": 1.5},
        {"row_id": "b", "prediction": 2.0, "target": 2.0}]


def organization(client: TestClient[Any], container: Container, name: str) -> Scenario:
    scenario = Scenario(client, container, bearer(str(uuid.uuid4())))
    scenario.create_model(name=name, task="regression")
    scenario.trained_version()
    scenario.send_predictions("v1", ROWS)
    scenario.catch_up()
    return scenario


def header(scenario: Scenario) -> str:
    answer = scenario.get("/performance/summary", dataset_split="test")
    assert answer.status_code == 200, answer.text
    return str(answer.headers["x-projection-position"])


def test_another_organizations_writes_do_not_move_a_position(
    client: TestClient[Any], container: Container,
) -> None:
    alice, bob = (organization(client, container, name) for name in ("alice", "bob"))
    before = header(bob)

    for batch in range(5):
        alice.send_predictions("v1", [{"row_id": f"x{batch}", "prediction": 1.0, "target": 0.0}])
    alice.catch_up()

    assert header(bob) == before
    written = bob.send_predictions("v1", [{"row_id": "c", "prediction": 3.0, "target": 1.0}])
    bob.catch_up()
    assert header(bob) == str(written["position"])  # its own write, once visible


def test_two_writes_in_a_row_tell_nothing_of_what_came_between(
    client: TestClient[Any], container: Container,
) -> None:
    alice, bob = (organization(client, container, name) for name in ("alice", "bob"))
    first = bob.post("/versions", {"version_id": "v2"}).json()["position"]
    for batch in range(20):
        alice.send_predictions("v1", [{"row_id": f"y{batch}", "prediction": 1.0, "target": 0.0}])
    second = bob.post("/versions", {"version_id": "v3"}).json()["position"]

    between = bob.position_of(second) - bob.position_of(first)
    assert between > 20  # the event store numbered alice's writes in between
    assert abs(second - first) > 1000  # bob's tokens carry no count of them


def test_a_position_reads_back_exactly_as_min_position_and_in_the_history(
    client: TestClient[Any], container: Container,
) -> None:
    alice, bob = (organization(client, container, name) for name in ("alice", "bob"))
    container.wake_projections = lambda: None  # nothing catches up on its own here
    position = alice.post("/versions", {"version_id": "v2"}).json()["position"]

    alice.catch_up()
    seen = alice.get("/versions", min_position=position)
    assert seen.status_code == 200 and "v2" in [v["version_id"] for v in seen.json()]
    assert seen.headers["x-projection-position"] == str(position)

    history = alice.get("/history").json()
    assert history[-1]["type"] == "VersionCreated" and history[-1]["position"] == position
    after = alice.get("/history", after=history[-2]["position"]).json()
    assert [entry["position"] for entry in after] == [position]
    assert bob.get("/versions", min_position=-1).status_code == 400
