"""Encoded answers of the read side, served from the response cache while still valid."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass

import anyio.to_thread

from perfledger.api.response_cache import ResponseCache
from perfledger.api.services.reading import ReadSide

# A question is remembered by its path and query as sent; longer ones are answered the long
# way every time, so that a caller's huge query strings are never kept.
MAX_REMEMBERED_TARGET_BYTES = 2048


@dataclass(frozen=True)
class Question:
    """A GET as it was sent: the same path and query from the same organization asks the
    same question again, so its cached answer may be sent without reading the request anew."""

    organization_id: str
    path: str
    query: bytes
    route: str  # the route's path template, as the request metrics name it
    scope: str  # the credential scope the route requires
    fresh_until: float = math.inf  # wall-clock seconds at which the question's window moves


@dataclass(frozen=True)
class Remembered:
    question: Question
    key: Hashable  # the cached answer's
    projections: tuple[str, ...]  # what the answer reads
    min_position: int  # what the question asks to see (0: anything)


@dataclass(frozen=True)
class AnswerAgain:
    body: bytes
    read_at: int
    route: str


class CachedAnswers:
    """An answer is reused while the projections it reads have not moved; when they have, it
    is reused if its stamp (the revisions of what it read) is unchanged, so live traffic to
    one series leaves the others' answers cached.

    Questions asked before are remembered with their answer's key and the position they
    asked to see (`min_position`, as a client polling after its last write sends it again
    and again), so that `answer_again` can send a still-valid answer before any routing,
    parsing or validation (`api.hot_reads`) once that position is shown. Touched only from
    the event loop, so it needs no lock.
    """

    def __init__(self, read: ReadSide, cache: ResponseCache,
                 clock: Callable[[], float] = time.time) -> None:
        self._read = read
        self._cache = cache
        self._clock = clock
        self._questions: OrderedDict[tuple[str, str, bytes], Remembered] = OrderedDict()

    async def serve(self, projections: Sequence[str], min_position: int | None,
                    key: Hashable, stamp: Callable[[], Hashable],
                    build: Callable[[], Awaitable[tuple[bytes, Hashable]]],
                    question: Question | None = None) -> tuple[bytes, int]:
        """The body for `key`, and the position it was read at. `stamp` reads what the answer
        depends on (cheaply); `build` reads and encodes the answer, and reads its stamp in the
        same transaction (or before it: a stamp may be older than its body, never newer).
        `question`, when given, is remembered for `answer_again`."""
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
        if question is not None:
            self._remember(Remembered(question, key, tuple(projections), min_position or 0))
        return body, read_at

    def answer_again(self, organization_id: str, has_scope: Callable[[str], bool], path: str,
                     query: bytes) -> AnswerAgain | None:
        """The answer to a question asked before, if it is still valid at the positions shown
        now and the caller holds the route's scope; None sends the request the long way."""
        found = self._questions.get((organization_id, path, query))
        if found is None:
            return None
        question = found.question
        if self._clock() >= question.fresh_until or not has_scope(question.scope):
            return None
        positions = self._read.engine.positions.vector(found.projections)
        read_at = min(positions[1::2])
        if read_at < found.min_position:
            return None  # the full path waits for it (or says it is not ready)
        body = self._cache.get(found.key, positions)
        if body is None:
            return None
        return AnswerAgain(body, read_at, question.route)

    def _remember(self, remembered: Remembered) -> None:
        capacity, question = self._cache.capacity, remembered.question
        if capacity <= 0 or len(question.path) + len(question.query) > (
                MAX_REMEMBERED_TARGET_BYTES):
            return
        asked = (question.organization_id, question.path, question.query)
        self._questions[asked] = remembered
        self._questions.move_to_end(asked)
        while len(self._questions) > capacity:
            self._questions.popitem(last=False)
