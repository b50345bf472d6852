"""Whether the database answers: a request fails fast while it does not, and service resumes
by itself when it is back.

A connection pool waits its whole timeout for a connection it cannot make, and the event
store retries each write ten times: a database that went away would hold every request for
half a minute. Instead, the first request to time out asks the database directly (one short
connection); if that fails too, the store is marked down and every request after it answers
at once, until a probe (at most one every `recheck_seconds`) finds the database again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("perfledger.storage")

RECHECK_SECONDS = 0.5
RETRY_AFTER_SECONDS = 2

Connection = TypeVar("Connection")


class StoreUnavailable(Exception):
    """The database does not answer; the request may be sent again in `retry_after` s."""

    retry_after = RETRY_AFTER_SECONDS

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The database is unreachable ({reason}); retry in {RETRY_AFTER_SECONDS} s "
            "(GET /health says when it is back)"
        )
        self.reason = reason


class Availability:
    """The store's state as this process last saw it: up, or down since when and why."""

    def __init__(self, probe: Callable[[], None], recheck_seconds: float = RECHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._probing = threading.Lock()
        self._down_reason: str | None = None
        self._checked_at = 0.0
        # Called when the store goes down and when it comes back: pools drop the
        # connections the outage broke, which they would otherwise hand out one by one.
        self._on_change: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        self._on_change.append(callback)

    @property
    def down_reason(self) -> str | None:
        """Why the store is down, or None while it answers."""
        return self._down_reason

    def ensure_up(self) -> None:
        """Returns while the store is up; raises StoreUnavailable at once while it is down,
        except for one caller every `recheck_seconds`, who probes it."""
        reason = self._down_reason
        if reason is None:
            return
        with self._lock:
            due = self._clock() - self._checked_at >= self._recheck_seconds
        if not due or not self._probing.acquire(blocking=False):
            raise StoreUnavailable(reason)
        try:
            self._check()
        finally:
            self._probing.release()
        if self._down_reason is not None:
            raise StoreUnavailable(self._down_reason)

    def confirm(self, error: BaseException) -> None:
        """After `error` (a timeout or a lost connection), whether the store itself is away:
        raises StoreUnavailable if a probe fails, returns if the store answers (the error
        was the load's, not the store's)."""
        with self._probing:
            self._check()
        if self._down_reason is not None:
            raise StoreUnavailable(self._down_reason) from error

    def guarded(self, getconn: Callable[..., Connection]) -> Callable[..., Connection]:
        """`getconn` of a connection pool, failing fast while the store is down."""

        def getconn_while_up(timeout: float | None = None) -> Connection:
            self.ensure_up()
            try:
                return getconn(timeout=timeout)
            except Exception as error:
                if timeout is None:  # the pool's whole wait ran out: is the store away?
                    self.confirm(error)
                raise

        return getconn_while_up

    def _check(self) -> None:
        try:
            self._probe()
        except Exception as error:
            reason = _reason_of(error)
            with self._lock:
                was_up = self._down_reason is None
                self._down_reason, self._checked_at = reason, self._clock()
            if was_up:
                log.error("the database is unreachable (%s); requests answer 503 until it "
                          "is back", reason)
                self._changed()
            return
        with self._lock:
            was_down = self._down_reason is not None
            self._down_reason, self._checked_at = None, self._clock()
        if was_down:
            log.warning("the database answers again; service resumes")
            self._changed()

    def _changed(self) -> None:
        for callback in self._on_change:
            try:
                callback()
            except Exception:  # a pool closing meanwhile: nothing to drop
                log.debug("could not drop a pool's connections", exc_info=True)


def _reason_of(error: BaseException) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return first_line[:200] or type(error).__name__
