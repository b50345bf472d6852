"""Several processes on one database: one promotion wins, one worker leads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from perfledger.api.bootstrap import Container, build_container
from perfledger.api.settings import Settings
from perfledger.domain.errors import Conflict
from perfledger.domain.values import Caller, ModelDefinition
from perfledger.domain.vocabulary import Task, VersionStatus
from perfledger.scheduler.leader import FileLeadership, Leadership, PostgresLeadership
from perfledger.scheduler.runner import Worker
from perfledger.scheduler.tasks import JobContext


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


def test_two_workers_never_both_run_the_jobs(
    container: Container,
    second: Container,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("perfledger.scheduler.runner.ELECTION_INTERVAL_SECONDS", 0.05)
    workers = [
        Worker(JobContext(c.engine, c.ledger), leadership(settings, tmp_path))
        for c in (container, second)
    ]
    for worker in workers:
        worker.start()
    try:
        leaders = _leaders_over(workers, seconds=1.0)
        assert leaders == {1}
        leader = next(w for w in workers if w.is_leading)
        leader.stop()
        deadline = time.monotonic() + 5
        while not any(w.is_leading for w in workers if w is not leader):
            assert time.monotonic() < deadline, "the standby never took over"
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.stop()


def _leaders_over(workers: list[Worker], seconds: float) -> set[int]:
    """How many workers led at once, sampled over a period after the first one leads."""
    deadline = time.monotonic() + 5
    while not any(w.is_leading for w in workers):
        assert time.monotonic() < deadline, "no worker ever led"
        time.sleep(0.02)
    counts = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        counts.add(sum(w.is_leading for w in workers))
        time.sleep(0.02)
    return counts
