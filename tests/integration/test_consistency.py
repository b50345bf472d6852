"""Queries wait for `min_position`, answer 503 when it is not reached, and report positions."""

from __future__ import annotations

from tests.conftest import impatient
from tests.scenario import Scenario


def test_a_query_waits_for_the_position_a_command_returned(scenario: Scenario) -> None:
    scenario.container.wake_projections = lambda: None  # nothing catches up on its own here
    scenario.create_model(name="m", task="regression")
    answer = scenario.post("/versions", {"version_id": "v1"})
    position = answer.json()["position"]
    impatient(scenario.container, 0.2)

    late = scenario.get("/versions", min_position=position)

    assert late.status_code == 503 and late.headers["retry-after"] == "1"
    assert late.json()["extra"]["min_position"] == position
    scenario.catch_up()
    fresh = scenario.get("/versions", min_position=position)
    assert fresh.status_code == 200 and [v["version_id"] for v in fresh.json()] == ["v1"]
    assert fresh.headers["x-projection-position"] == str(position)  # the latest write it shows


def test_a_negative_min_position_is_400(scenario: Scenario) -> None:
    scenario.create_model(name="m", task="regression")
    assert scenario.get("/versions", min_position=-1).status_code == 400
