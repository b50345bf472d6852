"""A packed read split in two gives the rows of one read, in the same order, whether its
second part runs beside the first on a spare connection or after it; a read never waits
long for a spare connection the pool does not have."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from perfledger.projections.columns import read_packed_floats, read_packed_floats_in_two
from perfledger.projections.database import PostgresDatabase, Tx

EXPRESSIONS = ["a", "b", "a * b"]
SOURCE = " FROM numbers WHERE k >= ?"


@pytest.fixture
def database(postgres_database: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_database, max_size=2)
    rng = np.random.default_rng(3)
    with database.transaction() as tx:
        tx.execute("DROP TABLE IF EXISTS numbers")
        tx.execute("CREATE TABLE numbers (k INTEGER PRIMARY KEY, a DOUBLE PRECISION,"
                   " b DOUBLE PRECISION)")
        tx.executemany("INSERT INTO numbers (k, a, b) VALUES (?, ?, ?)",
                       [(k, float(rng.normal()), None if k % 7 == 0 else float(rng.normal()))
                        for k in range(5_000)])
    yield database
    database.close()


def halves(middle: int) -> tuple[tuple[str, tuple[int, ...]], tuple[str, tuple[int, ...]]]:
    return ((SOURCE + " AND k < ?", (10, middle)), (SOURCE + " AND k >= ?", (10, middle)))


def test_two_halves_read_what_one_read_does(database: PostgresDatabase) -> None:
    database.pool.resize(2, 2)  # both connections open before the read asks for a spare
    database.pool.wait()
    with database.read() as tx:
        whole = read_packed_floats(tx, EXPRESSIONS, SOURCE, (10,))  # in k's order, as stored
        with tx.spare() as spare:
            assert spare is not None
        beside = read_packed_floats_in_two(tx, EXPRESSIONS, halves(2_345))
        alone = read_packed_floats_in_two(Tx(tx._connection, tx.dialect), EXPRESSIONS,
                                          halves(2_345))
    assert whole[0].size == 4_990
    for read in (beside, alone):
        for expected, got in zip(whole, read, strict=True):
            np.testing.assert_array_equal(got, expected)  # NaN where b is NULL, in order


def test_no_spare_connection_means_reading_alone_at_once(database: PostgresDatabase) -> None:
    with database.read() as tx, database.read() as other:  # the pool's two connections
        with tx.spare() as spare:
            assert spare is None
        read = read_packed_floats_in_two(tx, EXPRESSIONS, halves(100))
        assert other.value("SELECT 1") == 1
    assert read[0].size == 4_990
