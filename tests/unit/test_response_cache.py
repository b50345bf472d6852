"""Cached answers are served only at the positions they were read at; the oldest go first."""

from __future__ import annotations

from perfledger.api.response_cache import ResponseCache


def test_an_answer_is_served_only_while_the_positions_are_unchanged() -> None:
    cache = ResponseCache(capacity=10)
    cache.put("summary", (5, 7), b"old")

    assert cache.get("summary", (5, 7)) == b"old"
    assert cache.get("summary", (5, 8)) is None
    assert cache.get("other", (5, 7)) is None


def test_the_least_recently_used_answer_is_dropped_beyond_capacity() -> None:
    cache = ResponseCache(capacity=2)
    cache.put("a", (1,), b"a")
    cache.put("b", (1,), b"b")
    assert cache.get("a", (1,)) == b"a"  # now "b" is the least recently used

    cache.put("c", (1,), b"c")

    assert cache.get("b", (1,)) is None
    assert cache.get("a", (1,)) == b"a" and cache.get("c", (1,)) == b"c"


def test_a_cache_of_no_entries_keeps_nothing() -> None:
    cache = ResponseCache(capacity=0)
    cache.put("a", (1,), b"a")
    assert cache.get("a", (1,)) is None


def test_the_cache_is_bounded_by_bytes_and_keeps_no_single_huge_answer() -> None:
    cache = ResponseCache(capacity=100, max_bytes=1_600)
    cache.put("huge", (1,), b"x" * 101)  # more than a sixteenth of the cache
    assert cache.get("huge", (1,)) is None
    for name in "abcdefghijklmnopq":
        cache.put(name, (1,), b"y" * 99)  # 100 bytes with its key's one character
    assert cache.size_in_bytes <= 1_600
    assert cache.get("a", (1,)) is None and cache.get("q", (1,)) == b"y" * 99
    cache.put("q", (2,), b"z" * 49)  # replacing an entry frees what it held
    assert cache.size_in_bytes == 15 * 100 + 50


def test_a_keys_text_counts_as_the_answers_bytes_do() -> None:
    """A question's parameters come from the URL: a caller choosing long ones must not make
    the cache hold more than its bytes."""
    cache = ResponseCache(capacity=100, max_bytes=1_600)
    cache.put(("segments", "org", "x" * 200), (1,), b"y")  # more than a sixteenth, by its key
    assert cache.get(("segments", "org", "x" * 200), (1,)) is None
    for n in range(20):
        cache.put(("segments", "org", f"{n:02d}" + " " * 60), (1,), b"y" * 10)
    assert cache.size_in_bytes <= 1_600
    assert cache.get(("segments", "org", "00" + " " * 60), (1,)) is None
    assert cache.get(("segments", "org", "19" + " " * 60), (1,)) == b"y" * 10


def test_a_stamped_answer_outlives_positions_that_moved_while_its_stamp_holds() -> None:
    cache = ResponseCache(capacity=10)
    cache.put("series 1", (1, 10), b"one", stamp=("v1", 4))
    cache.put("unstamped", (1, 10), b"two")

    assert cache.get("series 1", (1, 11)) is None  # another series was written
    assert cache.holds_stamped("series 1") and not cache.holds_stamped("unstamped")
    assert cache.revalidate("series 1", (1, 11), ("v1", 4)) == b"one"
    assert cache.get("series 1", (1, 11)) == b"one"  # valid at the new positions now
    assert cache.revalidate("series 1", (1, 12), ("v1", 5)) is None  # its own series moved
    assert cache.revalidate("unstamped", (1, 11), None) is None
