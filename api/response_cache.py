"""Encoded answers of read models, reused while the projections they read have not moved."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# No single answer may take more than this share of the cache: a huge one is not kept.
LARGEST_SHARE = 16


class ResponseCache:
    """An LRU of encoded bodies, each valid for the projection positions it was read at,
    bounded by count and by bytes.

    A body read after the positions were taken reflects at least those positions, so serving
    it while they are unchanged is never staler than reading again. Touched only from the
    event loop, so it needs no lock.
    """

    def __init__(self, capacity: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], bytes]] = OrderedDict()

    @property
    def size_in_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, positions: tuple[int, ...]) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != positions:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, positions: tuple[int, ...], body: bytes) -> None:
        if self._capacity <= 0 or len(body) * LARGEST_SHARE > self._max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old[1])
        self._entries[key] = (positions, body)
        self._bytes += len(body)
        while len(self._entries) > self._capacity or self._bytes > self._max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= len(evicted)
