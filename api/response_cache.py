"""Encoded answers of read models, reused while the projections they read have not moved."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class ResponseCache:
    """An LRU of encoded bodies, each valid for the projection positions it was read at.

    A body read after the positions were taken reflects at least those positions, so serving
    it while they are unchanged is never staler than reading again. Touched only from the
    event loop, so it needs no lock.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], bytes]] = OrderedDict()

    def get(self, key: Hashable, positions: tuple[int, ...]) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != positions:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, positions: tuple[int, ...], body: bytes) -> None:
        if self._capacity <= 0:
            return
        self._entries[key] = (positions, body)
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
