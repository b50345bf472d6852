"""The questions `CachedAnswers` remembers for `answer_again` are as many as the cache holds
answers, and a question is answered again only with its own organization's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from types import SimpleNamespace
from typing import Any

from perfledger.api.response_cache import ResponseCache
from perfledger.api.services.answers import CachedAnswers, Question

POSITIONS = (1, 5)  # one projection: generation 1, position 5


class StillReadSide:
    """Projections that never move."""

    engine = SimpleNamespace(positions=SimpleNamespace(
        vector=lambda names: POSITIONS * len(names)))

    async def reach(self, projections: Sequence[str], position: int | None) -> int:
        return POSITIONS[1]


def ask(answers: CachedAnswers, organization: str, path: str) -> None:
    async def build() -> tuple[bytes, Hashable]:
        return f"{organization}{path}".encode(), "stamp"

    question = Question(organization, path, b"", "/route", "model:read")
    asyncio.run(answers.serve(["performance"], None, (organization, path), lambda: "stamp",
                              build, question))


def again(answers: CachedAnswers, organization: str, path: str) -> Any:
    found = answers.answer_again(organization, lambda scope: True, path, b"")
    return None if found is None else found.body


def test_no_more_questions_are_remembered_than_the_cache_holds_answers() -> None:
    answers = CachedAnswers(StillReadSide(), ResponseCache(capacity=2))  # type: ignore[arg-type]
    for path in ("/a", "/b", "/c"):
        ask(answers, "org", path)

    assert again(answers, "org", "/a") is None
    assert again(answers, "org", "/b") == b"org/b" and again(answers, "org", "/c") == b"org/c"


def test_a_question_is_answered_again_for_the_organization_that_asked_it() -> None:
    answers = CachedAnswers(StillReadSide(), ResponseCache(capacity=8))  # type: ignore[arg-type]
    ask(answers, "one", "/a")
    ask(answers, "two", "/a")

    assert again(answers, "one", "/a") == b"one/a"
    assert again(answers, "two", "/a") == b"two/a"
    assert again(answers, "three", "/a") is None


def test_without_a_cache_no_question_is_remembered() -> None:
    answers = CachedAnswers(StillReadSide(), ResponseCache(capacity=0))  # type: ignore[arg-type]
    ask(answers, "org", "/a")

    assert again(answers, "org", "/a") is None


class MovingReadSide:
    """One projection, shown at whatever generation and position the test sets."""

    def __init__(self) -> None:
        self.shown = (1, 5)
        self.engine = SimpleNamespace(positions=SimpleNamespace(vector=lambda names: self.shown))

    async def reach(self, projections: Sequence[str], position: int | None) -> int:
        assert position is None or self.shown[1] >= position
        return self.shown[1]


def test_a_question_asking_for_a_position_is_answered_again_only_while_it_is_shown() -> None:
    read = MovingReadSide()
    answers = CachedAnswers(read, ResponseCache(capacity=8))  # type: ignore[arg-type]
    key = ("summary", "org")

    def serve(query: bytes, min_position: int | None) -> None:
        async def build() -> tuple[bytes, Hashable]:
            return b"body", "stamp"

        question = Question("org", "/summary", query, "/route", "model:read")
        asyncio.run(answers.serve(["performance"], min_position, key, lambda: "stamp", build,
                                  question))

    def again_at(query: bytes) -> Any:
        found = answers.answer_again("org", lambda scope: True, "/summary", query)
        return None if found is None else (found.body, found.read_at)

    serve(b"min_position=5", 5)
    assert again_at(b"min_position=5") == (b"body", 5)

    # A rebuild's generation shows less; the same answer, revalidated there by a question
    # that asks for no position, must not reach the one that asked for position 5.
    read.shown = (2, 3)
    serve(b"", None)
    assert again_at(b"") == (b"body", 3)
    assert again_at(b"min_position=5") is None
