"""Several processes on one database: one promotion wins, one worker leads."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from apscheduler.triggers.interval import IntervalTrigger

from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.domain.errors import Conflict
from perfledger.domain.values import Caller, ModelDefinition
from perfledger.domain.vocabulary import Task, VersionStatus
from perfledger.projections.storage import StorageConfig
from perfledger.scheduler import runner
from perfledger.scheduler.leader import (
    ADVISORY_LOCK_KEY,
    FileLeadership,
    Leadership,
    PostgresLeadership,
)
from perfledger.scheduler.runner import Worker
from perfledger.scheduler.tasks import TaskContext
from perfledger.scheduler.wakeups import EventListener
from tests.at_once import in_processes_at_once
from tests.conftest import reset_postgres
from tests.waiting import wait_for


@pytest.fixture
def second(settings: Settings) -> Iterator[Container]:
    """Another process's view of the same database: its own pools and connections."""
    other = build_container(settings)
    yield other
    other.close()


def test_concurrent_promotions_leave_exactly_one_promoted_version(
    container: Container, second: Container, org: str
) -> None:
    caller = Caller(org)
    model, _ = container.ledger.register_model(caller, ModelDefinition("m", Task.REGRESSION))
    for version in ("v1", "v2"):
        container.ledger.create_version(caller, model.id, version)
        for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
            container.ledger.change_version_status(caller, model.id, version, status)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def promote(ledger_owner: Container, version: str) -> None:
        barrier.wait()
        try:
            ledger_owner.ledger.promote_version(caller, model.id, version)
            outcomes[version] = "promoted"
        except Conflict:
            outcomes[version] = "conflict"

    threads = [
        threading.Thread(target=promote, args=(owner, version))
        for owner, version in ((container, "v1"), (second, "v2"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "promoted" in outcomes.values()
    container.engine.catch_up_all(60)
    with container.database.read() as tx:
        promoted = tx.rows(
            "SELECT version_id FROM registry_versions WHERE model_id = ? AND promoted = 1",
            (str(model.id),),
        )
    final = container.ledger.get_model(caller, model.id).promoted_version_id
    assert [row[0] for row in promoted] == [final]


def leadership(settings: Settings, tmp_path: Path) -> Leadership:
    if settings.storage.database_url:
        return PostgresLeadership(settings.storage.database_url)
    return FileLeadership(settings.storage.data_dir / "scheduler.lock")


def test_only_one_of_two_candidates_holds_leadership_until_it_dies(
    settings: Settings, tmp_path: Path
) -> None:
    first, standby = leadership(settings, tmp_path), leadership(settings, tmp_path)
    assert first.try_acquire(), f"the lock was already held: {lock_holders(settings)}"
    assert not standby.try_acquire()
    assert first.holds() and not standby.holds()

    first.release()  # what a dying process does to its connection or file

    assert standby.try_acquire() and standby.holds()
    assert not first.try_acquire()
    standby.release()


def lock_holders(settings: Settings) -> list[tuple[object, ...]]:
    """Who holds advisory locks on the test database (to explain a failure)."""
    if not settings.storage.database_url:
        return []
    with psycopg.connect(settings.storage.database_url) as connection:
        return list(connection.execute(
            "SELECT l.pid, a.application_name, a.backend_start, a.query FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall())


def test_two_workers_never_run_tasks_at_the_same_time_and_a_standby_takes_over(
    container: Container,
    second: Container,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every task run is recorded with its worker and its start and end: the record shows
    leadership, which sampling could miss between two samples."""
    runs: list[tuple[str, float, float]] = []

    def recorded(context: TaskContext) -> None:
        started = time.monotonic()
        time.sleep(0.01)
        runs.append((context.worker_name, started, time.monotonic()))

    monkeypatch.setattr(runner, "ELECTION_INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(runner, "TASKS", {"catch_up": recorded})
    monkeypatch.setattr(runner, "TRIGGERS",
                        {"catch_up": lambda: IntervalTrigger(seconds=0.02)})
    workers = [
        Worker(TaskContext(c.engine, c.ledger, c.positions, worker_name=name),
               leadership(settings, tmp_path))
        for c, name in ((container, "first"), (second, "second"))
    ]
    for worker in workers:
        worker.start()
    try:
        leader = wait_for(lambda: next((w for w in workers if w.is_leading), None),
                          "a worker to lead")
        time.sleep(0.5)
        leader.stop()
        standby = next(w for w in workers if w is not leader)
        wait_for(lambda: len({name for name, _, _ in runs}) == 2,
                 "the standby to run tasks after the leader stopped")
        time.sleep(0.2)
    finally:
        for worker in workers:
            worker.stop()
    assert standby.context.worker_name in {name for name, _, _ in runs}
    ordered = sorted(runs, key=lambda run: run[1])
    for (name, _, ended), (other, started, _) in itertools.pairwise(ordered):
        assert name == other or ended <= started, f"{name} and {other} ran at the same time"


@pytest.mark.postgres
def test_a_leader_whose_connection_is_dropped_stops_and_a_standby_takes_over(
    container: Container, second: Container, settings: Settings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if settings.storage.database_url is None:
        pytest.skip("a file lock has no connection to drop: it goes with its process")
    monkeypatch.setattr(runner, "ELECTION_INTERVAL_SECONDS", 0.05)
    workers = [Worker(TaskContext(c.engine, c.ledger, c.positions), leadership(settings, tmp_path))
               for c in (container, second)]
    for worker in workers:
        worker.start()
    try:
        leader = wait_for(lambda: next((w for w in workers if w.is_leading), None),
                          "a worker to lead")
        # Step: the database drops the leader's session, as a failover or a network cut does.
        with psycopg.connect(settings.storage.database_url, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype ="
                " 'advisory' AND l.objid = %s AND l.granted AND l.database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                (ADVISORY_LOCK_KEY & 0xFFFFFFFF,)).fetchall()
        assert dropped == [(True,)], lock_holders(settings)
        standby = next(w for w in workers if w is not leader)
        wait_for(lambda: not leader.is_leading, "the leader to stop its scheduler", timeout=10)
        wait_for(lambda: standby.is_leading, "the standby to take over", timeout=10)
    finally:
        for worker in workers:
            worker.stop()


@pytest.mark.postgres
def test_a_notification_from_another_process_wakes_the_catch_up(settings: Settings) -> None:
    if settings.storage.database_url is None:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    woken = threading.Event()
    listener = EventListener(settings.storage.database_url, woken.set)
    listener.start()
    try:
        other = build_container(settings)  # another process's pools and connections
        try:
            wait_for(lambda: _announce_until_heard(other, woken), "a NOTIFY to wake the listener",
                     timeout=10)
        finally:
            other.close()
    finally:
        listener.stop()


def _announce_until_heard(container: Container, heard: threading.Event) -> bool:
    """The listener may still be connecting: announce again until it hears one."""
    container.database.announce_new_events()
    return heard.wait(0.2)


# Before SQLite had a schema lock, about one round in five failed ("database is locked":
# two processes switching a new file to write-ahead logging), and most failed in making
# the data directory; a new PostgreSQL schema costs more to make each round.
OPENING_ROUNDS = {"sqlite": 30, "postgres": 3}


def test_processes_opening_a_new_store_at_once_all_start(settings: Settings, backend: str,
                                                         tmp_path: Path) -> None:
    stores = [_fresh_store(settings, tmp_path / f"round-{n}")
              for n in range(OPENING_ROUNDS[backend])]
    outcomes = in_processes_at_once(_open_store, stores, processes=4,
                                    before_each=_empty_database)
    assert [found for round_ in outcomes for found in round_ if found] == []


def _fresh_store(settings: Settings, data_dir: Path) -> Settings:
    """The same backend; on SQLite a new file, on PostgreSQL the test's database, emptied
    before each round."""
    return dataclasses.replace(
        settings, storage=StorageConfig(data_dir, settings.storage.database_url))


def _empty_database(store: Settings) -> None:
    if store.storage.database_url is not None:
        reset_postgres(store.storage.database_url)


def _open_store(store: Settings) -> None:
    """What `perfledger serve` does first."""
    build_container(store).close()
