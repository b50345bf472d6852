"""The store's availability: a pool timeout confirmed by a failed probe marks it down, every
request then fails at once, and one probe per interval finds it back."""

from __future__ import annotations

import pytest

from perfledger.projections.availability import Availability, StoreUnavailable


class Database:
    def __init__(self) -> None:
        self.up = True
        self.probes = 0

    def probe(self) -> None:
        self.probes += 1
        if not self.up:
            raise ConnectionRefusedError("connection refused\nsecond line")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Pool:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.calls = 0
        self.busy = False  # every connection in use, the store up

    def getconn(self, timeout: float | None = None) -> str:
        self.calls += 1
        if self.busy or not self.database.up:
            raise TimeoutError(f"couldn't get a connection after {timeout} sec")
        return "connection"


@pytest.fixture
def world() -> tuple[Database, Clock, Availability, Pool]:
    database, clock = Database(), Clock()
    availability = Availability(database.probe, recheck_seconds=0.5, clock=clock)
    return database, clock, availability, Pool(database)


def test_a_timeout_with_the_store_up_is_the_loads_and_raised_as_it_is(world) -> None:
    database, _, availability, pool = world
    pool.busy = True
    getconn = availability.guarded(pool.getconn)
    with pytest.raises(TimeoutError):
        getconn()
    assert database.probes == 1
    assert availability.down_reason is None


def test_the_store_away_fails_every_request_at_once_until_a_probe_finds_it(world) -> None:
    database, clock, availability, pool = world
    getconn = availability.guarded(pool.getconn)
    assert getconn() == "connection"
    assert database.probes == 0  # nothing is probed while connections come

    database.up = False
    with pytest.raises(StoreUnavailable, match="connection refused") as raised:
        getconn()
    assert raised.value.retry_after == 2
    assert availability.down_reason == "connection refused"
    calls, probes = pool.calls, database.probes
    for _ in range(5):  # within the recheck interval: no pool wait, no probe
        with pytest.raises(StoreUnavailable):
            getconn()
    assert (pool.calls, database.probes) == (calls, probes)

    clock.now += 0.5  # a probe is due; the store is still away
    with pytest.raises(StoreUnavailable):
        getconn()
    assert database.probes == probes + 1

    database.up = True
    with pytest.raises(StoreUnavailable):  # not yet due: the state as last seen
        getconn()
    clock.now += 0.5
    assert getconn() == "connection"
    assert availability.down_reason is None


def test_a_short_explicit_wait_running_out_is_not_taken_for_an_outage(world) -> None:
    database, _, availability, pool = world
    database.up = False
    getconn = availability.guarded(pool.getconn)
    with pytest.raises(TimeoutError):
        getconn(timeout=0.01)  # a spare connection not free at once: no probe
    assert database.probes == 0
    assert availability.down_reason is None


def test_confirming_a_lost_connection_marks_the_store_down_only_if_the_probe_fails(
        world) -> None:
    database, _, availability, _ = world
    availability.confirm(ConnectionResetError("reset"))
    assert availability.down_reason is None
    database.up = False
    with pytest.raises(StoreUnavailable) as raised:
        availability.confirm(ConnectionResetError("reset"))
    assert isinstance(raised.value.__cause__, ConnectionResetError)
