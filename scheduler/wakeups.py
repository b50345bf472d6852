"""Wakes catch-up when another process announces new events (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from perfledger.projections.database import NEW_EVENTS_CHANNEL

log = logging.getLogger("perfledger.scheduler")


class EventListener:
    """A thread holding one connection that LISTENs and calls `wake` on each notification."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        self._url = url
        self._wake = wake
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="perfledger-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NEW_EVENTS_CHANNEL}")
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            self._wake()
            except psycopg.Error:
                log.warning("lost the LISTEN connection; polling continues, retrying in 2 s")
                self._stopping.wait(2.0)
