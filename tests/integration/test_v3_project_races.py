"""Two processes on one database: onboarding into a project and deleting it never both win."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from perfledger.api.app import create_app
from perfledger.api.bootstrap import Container
from perfledger.api.settings import Settings
from tests.conftest import eager_container
from tests.v3 import create_project, model_body, rules


@pytest.fixture
def second(settings: Settings) -> Iterator[Container]:
    """Another API process on the same database, catching up after its own commands."""
    other = eager_container(settings)
    yield other
    other.close()


@pytest.fixture
def second_client(second: Container) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(second)) as test_client:
        yield test_client


class HeldSave:
    """Holds a ledger's first save until released, so a test decides which commits first."""

    def __init__(self, container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reached, self.go = threading.Event(), threading.Event()
        original, calls = container.ledger._save, itertools.count()

        def save(*aggregates: Any) -> int:
            if next(calls) == 0:
                self.reached.set()
                assert self.go.wait(20), "the held save was never released"
            return original(*aggregates)

        monkeypatch.setattr(container.ledger, "_save", save)


def in_thread(call: Callable[[], Any], outcome: dict[str, Any], key: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: outcome.__setitem__(key, call()))
    thread.start()
    return thread


def race(first: tuple[HeldSave, threading.Thread], then: tuple[HeldSave, threading.Thread]) -> None:
    """Both commands have checked everything and wait to save; `first` commits, then `then`."""
    for held, _ in (first, then):
        assert held.reached.wait(20), "a command never reached its save"
    first[0].go.set()
    first[1].join(20)
    then[0].go.set()
    then[1].join(20)


def models_in(client: TestClient[Any], headers: dict[str, str], project: str) -> int:
    page = client.get("/v3/models", params={"filter": rules(("project_id", "equal", project))},
                      headers=headers)
    return int(page.json()["data"]["total"])


@pytest.mark.parametrize("winner", ["onboarding", "deletion"])
def test_a_project_deleted_while_a_model_is_onboarded_into_it_keeps_one_outcome(
    client: TestClient[Any], second_client: TestClient[Any], container: Container,
    second: Container, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch, winner: str,
) -> None:
    project = create_project(client, admin, "fraud")
    held_onboarding, held_deletion = HeldSave(container, monkeypatch), HeldSave(second,
                                                                                monkeypatch)
    outcome: dict[str, Any] = {}
    onboarding = in_thread(
        lambda: client.post("/v3/models", json=model_body(project), headers=admin),
        outcome, "create")
    deletion = in_thread(
        lambda: second_client.delete(f"/v3/projects/{project}", headers=admin), outcome, "delete")
    if winner == "onboarding":
        race((held_onboarding, onboarding), (held_deletion, deletion))
        assert outcome["create"].status_code == 200, outcome["create"].text
        assert outcome["delete"].status_code == 409, outcome["delete"].text
        assert client.get(f"/v3/projects/{project}", headers=admin).status_code == 200
        assert models_in(client, admin, project) == 1
    else:
        race((held_deletion, deletion), (held_onboarding, onboarding))
        assert outcome["delete"].status_code == 200, outcome["delete"].text
        assert outcome["create"].status_code == 404, outcome["create"].text
        assert client.get(f"/v3/projects/{project}", headers=admin).status_code == 404
        assert models_in(client, admin, project) == 0
    loser = outcome["delete" if winner == "onboarding" else "create"].json()
    assert loser["kind"] == "ERROR"


def test_two_models_onboarded_into_one_project_at_once_are_both_created(
    client: TestClient[Any], second_client: TestClient[Any], container: Container,
    second: Container, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = create_project(client, admin, "fraud")
    held = HeldSave(container, monkeypatch), HeldSave(second, monkeypatch)
    outcome: dict[str, Any] = {}

    def create(on: TestClient[Any], name: str) -> Any:
        return on.post("/v3/models", json=model_body(project, name=name), headers=admin)

    threads = [in_thread(lambda: create(client, "churn"), outcome, "churn"),
               in_thread(lambda: create(second_client, "fraud"), outcome, "fraud")]
    race((held[0], threads[0]), (held[1], threads[1]))
    assert [outcome[name].status_code for name in ("churn", "fraud")] == [200, 200]
    assert models_in(client, admin, project) == 2
    assert client.delete(f"/v3/projects/{project}", headers=admin).status_code == 409
