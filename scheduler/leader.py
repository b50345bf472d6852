"""Leader election: only the worker holding the lock runs the jobs."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg

ADVISORY_LOCK_KEY = 0x7065_7266_6C65  # "perfle"
log = logging.getLogger("perfledger.scheduler")


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Takes the lock if it is free; True while this process holds it."""
        ...

    def holds(self) -> bool:
        """Whether the lock is still held (a dropped connection loses it)."""
        ...

    def release(self) -> None: ...


class PostgresLeadership:
    """A session-level advisory lock on a dedicated connection; dies with the process."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: psycopg.Connection[Any] | None = None
        self._leading = False

    def try_acquire(self) -> bool:
        if self.holds():
            return True
        try:
            if self._connection is None or self._connection.closed:
                self._connection = psycopg.connect(self._url, autocommit=True)
            row = self._connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)
            ).fetchone()
        except psycopg.Error as error:
            log.warning("could not campaign for leadership: %s; retrying", error)
            self.release()
            return False
        self._leading = bool(row and row[0])
        return self._leading

    def holds(self) -> bool:
        if not self._leading or self._connection is None or self._connection.closed:
            return False
        try:
            self._connection.execute("SELECT 1")
        except psycopg.Error:
            self._leading = False
            return False
        return True

    def release(self) -> None:
        """Unlocks before closing: the server drops a closed session's locks only later."""
        connection, leading = self._connection, self._leading
        self._leading = False
        self._connection = None
        if connection is None:
            return
        if leading and not connection.closed:
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            except psycopg.Error:
                log.debug("could not unlock; closing the session drops it", exc_info=True)
        connection.close()


class FileLeadership:
    """An exclusive flock on a file in the data directory, for the embedded database."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self._path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True

    def holds(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
