"""Rows bulk-written on PostgreSQL read back as given, whichever COPY format their table's
columns take: binary for plain scalars, text for a table with another type (JSON)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from perfledger.projections.database import PostgresDatabase

SCALARS = ("k BIGINT PRIMARY KEY, small INTEGER, x DOUBLE PRECISION, name TEXT COLLATE \"C\","
           " blob BYTEA, flag BOOLEAN")
ROWS: list[tuple[Any, ...]] = [
    (1, 7, 0.1 + 0.2, "row-1", b"\x00\x01\xff", True),
    (2, None, -0.0, "é ∑ \\ \t tab", None, False),
    (3, -(2**31), 5e-324, "", b"", None),
    (2**62, 2**31 - 1, 1.7976931348623157e308, None, bytes(range(256)), True),
]


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The COPY statements run."""
    statements: list[str] = []
    copy = psycopg.Cursor.copy

    def noted(cursor: psycopg.Cursor[Any], statement: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(statement))
        return copy(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", noted)
    return statements


@pytest.fixture
def database(postgres_database: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_database, max_size=2)
    with database.transaction() as tx:
        for table in ("scalars", "with_json"):
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        tx.execute(f"CREATE TABLE scalars ({SCALARS})")
        tx.execute("CREATE TABLE with_json (k BIGINT PRIMARY KEY, doc JSONB, x DOUBLE PRECISION)")
    yield database
    database.close()


def test_plain_scalars_round_trip_through_insert_and_upsert(
        database: PostgresDatabase, copies: list[str]) -> None:
    columns = ("k", "small", "x", "name", "blob", "flag")
    with database.transaction() as tx:
        assert tx.insert_new("scalars", columns, ROWS[:2])
        assert not tx.insert_new("scalars", columns, ROWS[1:])  # k = 2 exists: nothing added
        tx.upsert("scalars", columns, ROWS[1:],  # tries them as new first, then upserts
                  "ON CONFLICT (k) DO UPDATE SET name = excluded.name")
    with database.read() as tx:
        stored = tx.rows("SELECT k, small, x, name, blob, flag FROM scalars ORDER BY k")
    assert [(*row[:4], None if row[4] is None else bytes(row[4]), row[5])
            for row in stored] == ROWS
    assert math.copysign(1.0, stored[1][2]) == -1.0  # the sign of zero survives
    assert len(copies) == 4 and all(s.endswith("(FORMAT BINARY)") for s in copies), copies


def test_a_table_with_json_takes_the_text_format(database: PostgresDatabase,
                                                 copies: list[str]) -> None:
    with database.transaction() as tx:
        assert tx.insert_new("with_json", ("k", "doc", "x"),
                             [(1, '{"a": [1, 2]}', 0.5), (2, None, None)])
    with database.read() as tx:
        assert tx.rows("SELECT k, doc, x FROM with_json ORDER BY k") == [
            (1, {"a": [1, 2]}, 0.5), (2, None, None)]
    assert copies == ["COPY with_json (k, doc, x) FROM STDIN"]
