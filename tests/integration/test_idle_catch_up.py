"""A catch-up with nothing new only reads: the scheduler runs it four times a second in every
process, so an idle service must not take write transactions (nor the projections' row
locks) to find out that it has nothing to do."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.bootstrap import Container
from perfledger.projections.database import Tx
from tests.conftest import bearer
from tests.scenario import Scenario


def count_write_transactions(container: Container, monkeypatch: pytest.MonkeyPatch
                             ) -> list[int]:
    opened = [0]
    transaction = container.database.transaction

    @contextlib.contextmanager
    def counted() -> Iterator[Tx]:
        opened[0] += 1
        with transaction() as tx:
            yield tx

    monkeypatch.setattr(container.database, "transaction", counted)
    return opened


def test_idle_catch_up_takes_no_write_transaction(
        client: TestClient[Any], container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = Scenario(client, container, bearer(str(uuid.uuid4())))
    scenario.create_model(name="m", task="binary_classification", labels=["no", "yes"],
                          positive_label="yes")
    scenario.send_predictions(scenario.trained_version(), [
        {"row_id": "r1", "predicted_label": "yes", "true_label": "no", "score": 0.7}])
    engine = container.engine
    engine.catch_up_all()
    writes = count_write_transactions(container, monkeypatch)

    assert engine.catch_up_all() == 0
    assert writes[0] == 0

    # Something new: the catch-up the command wakes applies and shows it, writing as before.
    scenario.send_labels("v1", [{"row_id": "r1", "true_label": "yes"}])
    assert writes[0] > 0
    assert engine.visible_position(list(engine.projections)) == engine.log.head()
    assert scenario.summary()["metrics"]["accuracy"] == 1.0
