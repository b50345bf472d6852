"""The read path: waits hold no worker thread, cached answers follow the log, stay per tenant."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from perfledger.api.bootstrap import Container
from perfledger.projections import engine as engine_module
from tests.conftest import bearer
from tests.scenario import Scenario

ROWS = [
    {"row_id": "a", "prediction": 1.0, "target": 1.5},
    {"row_id": "b", "prediction": 2.0, "target": 2.0},
]


@pytest.fixture
def regression(scenario: Scenario) -> Scenario:
    scenario.create_model(name="m", task="regression")
    scenario.trained_version()
    scenario.send_predictions("v1", ROWS)
    return scenario


def test_a_repeated_summary_is_the_same_answer_until_new_events_arrive(
    regression: Scenario,
) -> None:
    first = regression.get("/performance/summary")
    again = regression.get("/performance/summary")
    assert again.content == first.content
    assert again.headers["x-projection-position"] == first.headers["x-projection-position"]

    written = regression.send_predictions(
        "v1", [{"row_id": "c", "prediction": 3.0, "target": 1.0}])
    fresh = regression.get("/performance/summary")

    assert fresh.json()["labeled_count"] == 3 and first.json()["labeled_count"] == 2
    assert fresh.headers["x-projection-position"] == str(written["position"])


def test_a_cached_answer_is_never_served_to_another_organization(
    regression: Scenario, container: Container
) -> None:
    assert regression.get("/performance/summary").status_code == 200
    assert regression.get("/performance/confusion-matrix").status_code == 422

    stranger = bearer("00000000-0000-4000-8000-000000000001")
    for path in ("summary", "confusion-matrix"):
        answer = regression.client.get(
            f"/api/v1/models/{regression.model_id}/performance/{path}", headers=stranger
        )
        assert answer.status_code == 404, answer.text


def test_a_long_backlog_is_published_once_caught_up_not_after_every_slice(
    regression: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = regression.container.engine
    regression.container.wake_projections = lambda: None
    for batch in range(4):
        rows: list[dict[str, Any]] = [
            {"row_id": f"r{batch}", "prediction": float(batch), "target": 0.5}
        ]
        regression.send_predictions("v1", rows)
    head = engine.log.head()
    monkeypatch.setattr(engine_module, "SLOW_SETTLE_SECONDS", -1.0)  # every settle counts as slow
    monkeypatch.setattr(engine_module, "SETTLE_BACKOFF", 1e6)
    engine.page_size = 1

    published = []
    while engine.visible_position(["performance"]) < head:
        engine.catch_up("performance", budget_seconds=0)
        published.append(engine.visible_position(["performance"]))

    assert len(published) == 4
    assert published[0] == published[1] == published[2] < head
    assert published[3] == head
    assert regression.get("/performance/summary").json()["labeled_count"] == 6


def test_the_next_page_is_read_while_one_is_applied_and_each_event_applies_once(
    regression: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = regression.container.engine
    regression.container.wake_projections = lambda: None
    regression.catch_up()
    start = engine.log.head()
    for batch in range(7):
        regression.send_predictions(
            "v1", [{"row_id": f"r{batch}", "prediction": float(batch), "target": 0.5}])
    engine.page_size = 2
    read_on: list[str] = []
    applied: list[int] = []
    read_page, apply_page = engine._read_page, engine._apply_page

    def reading(projection: Any, position: int, head: int) -> Any:
        if projection.name == "performance":
            read_on.append(threading.current_thread().name)
        return read_page(projection, position, head)

    def applying(tx: Any, projection: Any, generation: int, position: int, head: int,
                 events: Any) -> Any:
        if projection.name == "performance":
            applied.extend(event_position for event_position, _ in events)
        return apply_page(tx, projection, generation, position, head, events)

    monkeypatch.setattr(engine, "_read_page", reading)
    monkeypatch.setattr(engine, "_apply_page", applying)
    engine.catch_up("performance", budget_seconds=60)

    expected = [p for p, _ in engine.log.read(start, engine.log.head(), 100,
                                              engine.projections["performance"].topics)]
    assert len(expected) == 7 and applied == expected
    assert read_on[0] == threading.current_thread().name  # the first page: nothing read yet
    assert sum(name.startswith("page-reader") for name in read_on) == 3  # then pages 2 to 4
    assert regression.get("/performance/summary").json()["labeled_count"] == 9


def test_a_run_that_reaches_the_head_settles_in_its_last_pages_transaction(
    regression: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = regression.container.engine
    regression.container.wake_projections = lambda: None
    regression.catch_up()
    regression.send_predictions("v1", [{"row_id": "c", "prediction": 3.0, "target": 1.0}])
    opened: list[int] = []
    transaction = engine.database.transaction

    def counted() -> Any:
        opened.append(1)
        return transaction()

    monkeypatch.setattr(engine.database, "transaction", counted)
    engine.catch_up("performance", budget_seconds=60)

    assert len(opened) == 1
    assert engine.visible_position(["performance"]) == engine.log.head()
    assert regression.get("/performance/summary").json()["labeled_count"] == 3
