"""Encoded answers of the read side, served from the response cache while still valid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence

import anyio.to_thread

from perfledger.api.response_cache import ResponseCache
from perfledger.api.services.reading import ReadSide


class CachedAnswers:
    """An answer is reused while the projections it reads have not moved; when they have, it
    is reused if its stamp (the revisions of what it read) is unchanged, so live traffic to
    one series leaves the others' answers cached."""

    def __init__(self, read: ReadSide, cache: ResponseCache) -> None:
        self._read = read
        self._cache = cache

    async def serve(self, projections: Sequence[str], min_position: int | None,
                    key: Hashable, stamp: Callable[[], Hashable],
                    build: Callable[[], Awaitable[tuple[bytes, Hashable]]]) -> tuple[bytes, int]:
        """The body for `key`, and the position it was read at. `stamp` reads what the answer
        depends on (cheaply); `build` reads and encodes the answer, and reads its stamp in the
        same transaction (or before it: a stamp may be older than its body, never newer)."""
        await self._read.reach(projections, min_position)
        positions = self._read.engine.positions.vector(projections)
        generations = positions[0::2]  # the vector holds (generation, position) pairs
        read_at = min(positions[1::2])
        body = self._cache.get(key, positions)
        if body is None and self._cache.holds_stamped(key):
            now = (generations, await anyio.to_thread.run_sync(stamp))
            body = self._cache.revalidate(key, positions, now)
        if body is None:
            body, read = await build()
            self._cache.put(key, positions, body, (generations, read))
        return body, read_at
