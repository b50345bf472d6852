"""Encoded answers of read models, reused while the projections they read have not moved."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# No single answer may take more than this share of the cache: a huge one is not kept.
LARGEST_SHARE = 16
WORD_BYTES = 8


class ResponseCache:
    """An LRU of encoded bodies, each valid for the projection positions it was read at,
    bounded by count and by bytes (its bodies' and its keys').

    A body read after the positions were taken reflects at least those positions, so serving
    it while they are unchanged is never staler than reading again. When they have moved, an
    entry stored with a `stamp` (what the answer read: a series' revision) is served again if
    the stamp read now is the same: a write to one series leaves every other series' answers
    cached. Touched only from the event loop, so it needs no lock.
    """

    def __init__(self, capacity: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._bytes = 0
        # key: (positions, stamp, body, what the entry counts for: its body's and key's bytes)
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], Hashable, bytes, int]] = (
            OrderedDict())

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def size_in_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, positions: tuple[int, ...]) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != positions:
            return None
        self._entries.move_to_end(key)
        return entry[2]

    def holds_stamped(self, key: Hashable) -> bool:
        """Whether `revalidate` could serve `key` (worth reading its stamp for)."""
        entry = self._entries.get(key)
        return entry is not None and entry[1] is not None

    def revalidate(self, key: Hashable, positions: tuple[int, ...], stamp: Hashable
                   ) -> bytes | None:
        """The entry's body if it was stored with `stamp`; it is then valid at `positions`."""
        entry = self._entries.get(key)
        if entry is None or entry[1] is None or entry[1] != stamp:
            return None
        self._entries[key] = (positions, stamp, entry[2], entry[3])
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, key: Hashable, positions: tuple[int, ...], body: bytes,
            stamp: Hashable = None) -> None:
        size = len(body) + key_bytes(key)
        if self._capacity <= 0 or size * LARGEST_SHARE > self._max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[3]
        self._entries[key] = (positions, stamp, body, size)
        self._bytes += size
        while len(self._entries) > self._capacity or self._bytes > self._max_bytes:
            _, (_, _, _, evicted_size) = self._entries.popitem(last=False)
            self._bytes -= evicted_size


def key_bytes(key: Hashable) -> int:
    """About what a key holds: its text counted by the character (a question's parameters
    come from the URL, and a caller chooses their length), anything else as a word."""
    if isinstance(key, str | bytes):
        return len(key)
    if isinstance(key, tuple | frozenset):
        return sum(key_bytes(part) for part in key) + WORD_BYTES
    return WORD_BYTES
