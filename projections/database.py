"""One small interface over SQLite and PostgreSQL for the read models."""

from __future__ import annotations

import fcntl
import logging
import math
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import InterfaceError as EventStoreInterfaceError
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from psycopg_pool import ConnectionPool, PoolTimeout

from perfledger.domain.errors import InvalidInput
from perfledger.projections.availability import Availability, StoreUnavailable

log = logging.getLogger("perfledger.storage")

Row = tuple[Any, ...]
NEW_EVENTS_CHANNEL = "perfledger_new_events"
SCHEMA_LOCK_KEY = 0x7065_7266_5343  # distinct from the scheduler's leadership lock
SPARE_WAIT_SECONDS = 0.01  # how long a read waits for a second connection before going alone
KEYS_PER_LOOKUP = 1_000  # keys one PostgreSQL lookup by key list asks for
SQLITE_KEYS_PER_LOOKUP = 500  # below SQLite's limit on a statement's parameters
DEFAULT_TIMEOUT_SECONDS = 2  # the longest a request waits for a database connection


# Column types whose Python values (int, float, str, bytes, bool, None) psycopg writes in
# the binary COPY format as they are; another type (JSON, say) keeps the text format.
BINARY_COPY_TYPES = frozenset({"int2", "int4", "int8", "float4", "float8", "text", "bytea",
                               "bool"})
_COPIED_TYPES: dict[tuple[str, str], list[str]] = {}


def _column_types(cursor: Any, table: str, names: str) -> list[str]:
    """The PostgreSQL type of each named column, read from the catalog once per table in a
    process (a table's name is its generation's: its columns never change under it)."""
    key = (table, names)
    if key not in _COPIED_TYPES:
        cursor.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t"
            " ON t.oid = a.atttypid WHERE a.attrelid = %s::regclass AND a.attnum > 0",
            (table,))
        by_name = dict(cursor.fetchall())
        _COPIED_TYPES[key] = [by_name[name.strip()] for name in names.split(",")]
    return _COPIED_TYPES[key]


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Tx:
    """A transaction: SQL is written with '?' placeholders for both engines."""

    def __init__(self, connection: Any, dialect: str,
                 spare: Callable[[], AbstractContextManager[Tx | None]] | None = None) -> None:
        self._connection = connection
        self.dialect = dialect
        self._spare = spare

    def spare(self) -> AbstractContextManager[Tx | None]:
        """A second read connection beside this one, if one is free at once (PostgreSQL): a
        query split in two runs on both cores. None when none is free, or on SQLite."""
        return nullcontext(None) if self._spare is None else self._spare()

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def rebuildable(self) -> None:
        """This transaction's commit need not wait for the disk: it writes read models, which
        a crash that lost the commit leaves at their previous position, to be applied again
        from the event log (whose commits do wait). PostgreSQL only; SQLite commits as
        configured."""
        if self.dialect == "postgresql":
            self._connection.execute("SET LOCAL synchronous_commit TO off")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        try:
            cursor: Cursor = self._connection.execute(self._sql(sql), params)
        except psycopg.DataError as error:
            if "NUL" not in str(error):
                raise
            # Nothing stored holds U+0000 (events refuse it), so no read may ask for it.
            raise InvalidInput(
                "A text parameter contains the NUL character (\\u0000), which matches "
                "nothing stored; remove it and send again"
            ) from None
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self.dialect == "sqlite":
            self._connection.executemany(sql, rows)
        else:
            with self._connection.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)

    def upsert(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str,
        *, existing: bool = False,
    ) -> None:
        """Inserts many rows with `on_conflict` (an ON CONFLICT clause); keys must be distinct.

        PostgreSQL first tries COPY straight into the table (new rows, the usual case); when a
        key exists it copies into a staging table and upserts from there: one statement
        instead of one per row either way. `existing`: the caller knows keys exist, so the
        first attempt would only be undone.
        """
        names = ", ".join(columns)
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {on_conflict}", rows)
            return
        if not rows or (not existing and self.insert_new(table, columns, rows)):
            return
        staging = f"staging_{table}"
        self.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DELETE ROWS"
        )
        with self._connection.cursor() as cursor:
            self._copy(cursor, staging, names, rows)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} {on_conflict}"
            )
            cursor.execute(f"TRUNCATE {staging}")

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
                   ) -> bool:
        """Inserts rows whose keys are all new (COPY on PostgreSQL), in a savepoint.

        False, with nothing inserted, when a key exists: the caller then takes a slower path
        that reads what it replaces. New keys are the usual case, and skip that read.
        """
        names = ", ".join(columns)
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self._connection.execute("SAVEPOINT insert_new")
            try:
                self._connection.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            except sqlite3.IntegrityError:
                self._connection.execute("ROLLBACK TO insert_new")
                return False
            finally:
                self._connection.execute("RELEASE insert_new")
            return True
        try:
            with self._connection.transaction(), self._connection.cursor() as cursor:
                self._copy(cursor, table, names, rows)
        except psycopg.errors.UniqueViolation:
            return False
        return True

    @staticmethod
    def _copy(cursor: Any, table: str, names: str, rows: Sequence[Sequence[Any]]) -> None:
        """COPY in PostgreSQL's binary format when every column is a plain scalar: numbers go
        as their bytes, where the text format spells each float out (20,000 rows of the
        performance view: 7 ms of this process's time instead of 30 to 50)."""
        types = _column_types(cursor, table, names)
        binary = all(name in BINARY_COPY_TYPES for name in types)
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN"
                         + (" (FORMAT BINARY)" if binary else "")) as copy:
            if binary:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def stream(
        self, sql: str, params: Sequence[Any] = (), size: int = 20_000
    ) -> Iterator[list[Row]]:
        """Yields the result in chunks, so that memory stays flat in the number of rows."""
        if self.dialect == "sqlite":
            cursor = self._connection.execute(sql, params)
            while chunk := cursor.fetchmany(size):
                yield chunk
            return
        # Binary results: numbers and blobs arrive without text to parse.
        with self._connection.cursor(name=f"stream_{uuid.uuid4().hex}", binary=True) as cursor:
            cursor.itersize = size
            cursor.execute(self._sql(sql), params)
            while chunk := cursor.fetchmany(size):
                yield chunk

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an error inside undoes only what was done inside."""
        if self.dialect == "postgresql":
            with self._connection.transaction():
                yield
            return
        name = f"sp_{uuid.uuid4().hex}"
        self._connection.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._connection.execute(f"ROLLBACK TO {name}")
            self._connection.execute(f"RELEASE {name}")
            raise
        self._connection.execute(f"RELEASE {name}")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def rows_in(self, select: str, params: Sequence[Any], column: str,
                keys: Sequence[Any]) -> list[Row]:
        """`select` (which ends in a WHERE clause) `AND column IN keys`, a chunk of keys a
        time: on PostgreSQL each chunk is one array (the same statement text every time);
        on SQLite a list of placeholders."""
        # Asked for tens of thousands of keys at once, PostgreSQL's planner reads the whole
        # table rather than the index: 150 ms a catch-up page at 1.5M rows, growing with them
        # (bench/RESULTS.md); a thousand at a time it descends the index for each.
        postgres = self.dialect == "postgresql"
        size = KEYS_PER_LOOKUP if postgres else SQLITE_KEYS_PER_LOOKUP
        found: list[Row] = []
        for start in range(0, len(keys), size):
            part = keys[start:start + size]
            found += (self.rows(f"{select} AND {column} = ANY(?)", (*params, _array_of(part)))
                      if postgres else
                      self.rows(f"{select} AND {column} IN ({','.join('?' * len(part))})",
                                (*params, *part)))
        return found

    def row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def binary_row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One row in PostgreSQL's binary format (large blobs arrive without hex to parse)."""
        with self._connection.cursor(binary=True) as cursor:
            row: Row | None = cursor.execute(self._sql(sql), params).fetchone()
        return row

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.row(sql, params)
        return None if row is None else row[0]


def _array_of(keys: Sequence[Any]) -> Any:
    """Text keys as one PostgreSQL array literal (its element type inferred from the column):
    psycopg's list dumper inspects every element in Python, about a microsecond each."""
    if not set(map(type, keys)) <= {str}:
        return list(keys)
    return "{" + ",".join(
        '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in keys) + "}"


@dataclass(frozen=True)
class Types:
    """Column types that differ between the engines."""

    blob: str
    float: str
    json: str
    # Text compared byte by byte (a caller's row id): an index probe or insert then compares
    # with memcmp, not the database locale's rules (on PostgreSQL, 20% faster lookups by id in
    # a C.UTF-8 database; more in others), and both engines order such ids alike.
    key: str


SQLITE_TYPES = Types(blob="BLOB", float="REAL", json="TEXT", key="TEXT")
POSTGRES_TYPES = Types(blob="BYTEA", float="DOUBLE PRECISION", json="TEXT",
                       key='TEXT COLLATE "C"')


class Database:
    """Connections for the read models; events live in the same database."""

    dialect: str
    types: Types

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        raise NotImplementedError
        yield

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.transaction() as tx:
            yield tx

    def close(self) -> None:
        """Releases every connection."""

    def announce_new_events(self) -> None:
        """Tells workers in other processes that the log has grown (PostgreSQL only)."""

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Serialises schema creation between processes starting at once."""
        yield

    @property
    def down_reason(self) -> str | None:
        """Why the database does not answer, as last seen; None while it does."""
        return None

    def guard_pool(self, pool: Any) -> None:
        """Makes another connection pool on this database (the event store's) fail fast
        while the database is down."""


class SQLiteDatabase(Database):
    """One connection per thread. Each is used under its own lock, which `close` takes too:
    a connection is never closed while another thread is inside it (Python 3.13's sqlite3
    crashes the process on that, where 3.11 raised)."""

    dialect = "sqlite"
    types = SQLITE_TYPES

    def __init__(self, path: Path, busy_timeout_ms: int = 30_000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[tuple[sqlite3.Connection, threading.RLock]] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connection(self) -> tuple[sqlite3.Connection, threading.RLock]:
        found: tuple[sqlite3.Connection, threading.RLock] | None = getattr(
            self._local, "connection", None)
        if found is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            found = self._local.connection = (connection, threading.RLock())
            with self._lock:
                self._connections.append(found)
        return found

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise sqlite3.ProgrammingError(f"the database {self.path} has been closed")
        connection, lock = self._connection()
        with lock:
            yield connection

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._using() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(connection, self.dialect)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._using() as connection:
            connection.execute("BEGIN")
            try:
                yield Tx(connection, self.dialect)
            finally:
                connection.execute("ROLLBACK")

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """An exclusive flock on a file beside the database. Two processes opening a new file
        at once would both switch it to write-ahead logging, and the second switch fails at
        once ("database is locked") whatever the busy timeout."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".schema-lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for connection, lock in self._connections:
                with lock:
                    connection.close()
            self._connections.clear()
        self._local = threading.local()


class PostgresDatabase(Database):
    dialect = "postgresql"
    types = POSTGRES_TYPES

    def __init__(self, url: str, max_size: int = 10,
                 timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url
        self._connect_timeout = connect_timeout_of(timeout_seconds)
        self.availability = Availability(self._probe)
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, open=True, timeout=timeout_seconds,
            kwargs={"autocommit": False, "connect_timeout": self._connect_timeout},
        )
        self.guard_pool(self.pool)

    @property
    def down_reason(self) -> str | None:
        return self.availability.down_reason

    def guard_pool(self, pool: Any) -> None:
        if pool is not None:
            pool.getconn = self.availability.guarded(pool.getconn)
            self.availability.on_change(pool.drain)

    def _probe(self) -> None:
        with psycopg.connect(self.url, autocommit=True,
                             connect_timeout=self._connect_timeout) as connection:
            connection.execute("SELECT 1")

    @contextmanager
    def _noticing_loss(self) -> Iterator[None]:
        """A connection lost midway: if the database went away, StoreUnavailable."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if _is_connection_loss(error):
                self.availability.confirm(error)
            raise

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with (self._noticing_loss(), self.pool.connection() as connection,
              connection.transaction()):
            yield Tx(connection, self.dialect)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._noticing_loss(), self.pool.connection() as connection:
            try:
                yield Tx(connection, self.dialect, self._spare_read)
            finally:
                if not connection.broken:  # a lost one has nothing to roll back
                    connection.rollback()

    @contextmanager
    def _spare_read(self) -> Iterator[Tx | None]:
        """A read connection if one is free within SPARE_WAIT_SECONDS, else None: a read
        holding one connection never waits long for another (reads waiting on each other
        for the last connections would stall)."""
        try:
            connection = self.pool.getconn(timeout=SPARE_WAIT_SECONDS)
        except PoolTimeout:
            yield None
            return
        try:
            yield Tx(connection, self.dialect)
        finally:
            if not connection.broken:
                connection.rollback()
            self.pool.putconn(connection)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        # Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog.
        with psycopg.connect(self.url, autocommit=True,
                             connect_timeout=self._connect_timeout) as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))

    def announce_new_events(self) -> None:
        """Best effort: the events are saved already, and workers poll as well."""
        try:
            with self.pool.connection() as connection:
                connection.execute(f"NOTIFY {NEW_EVENTS_CHANNEL}")
                connection.commit()
        except (psycopg.Error, StoreUnavailable) as error:
            log.debug("could not announce new events: %s", error)


def _is_connection_loss(error: psycopg.Error) -> bool:
    """A connection that broke or was ended by the server (classes 08 and 57), not a lock
    or a deadlock; a pool's timeout is judged where it happens."""
    if isinstance(error, PoolTimeout):
        return False
    state = error.sqlstate or ""
    return state == "" or state.startswith(("08", "57"))


def connect_timeout_of(timeout_seconds: float) -> int:
    """libpq's connect_timeout: whole seconds, and at least 2 (it treats 1 as 2)."""
    return max(2, math.ceil(timeout_seconds))


def is_transient(error: BaseException) -> bool:
    """Whether `error` comes from the database's state (a lost connection, a lock, a deadlock,
    a busy file, a database away) rather than from what was written: such an error is
    retried, never blamed on an event. PostgreSQL's class 54 (a key too large for its index)
    is the event's. The event store raises its own kinds, wrapping psycopg's."""
    if isinstance(error, psycopg.OperationalError):
        state = getattr(error, "sqlstate", None) or ""
        return not state.startswith("54")
    if isinstance(error, EventStoreOperationalError | EventStoreInterfaceError):
        return error.__cause__ is None or is_transient(error.__cause__)
    return isinstance(error, psycopg.InterfaceError | sqlite3.OperationalError
                      | StoreUnavailable)

