"""JSON from outside is decoded only when it nests at most MAX_JSON_DEPTH levels deep.

Every decoder recurses once per level (msgspec counts levels against Python's recursion
limit up to 3.11, and against the interpreter's own C limit from 3.12). A bound checked on
the text, before any decoding, is one number on every Python: anything accepted can be
encoded, stored and read back by every projection, wherever on the stack they decode it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from perfledger.domain.errors import InvalidInput

MAX_JSON_DEPTH = 100
T = TypeVar("T")
_ALL_BUT_BRACKETS_AND_QUOTES = bytes(range(256)).translate(None, b'[]{}"')


def within_json_depth(data: bytes | str, decode: Callable[[bytes | str], T]) -> T:
    """`decode(data)` if it nests at most MAX_JSON_DEPTH levels; a 400 naming the bound if not.
    JSON with fewer brackets than that cannot nest deeper, and needs no count."""
    raw = data.encode() if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and json_depth(raw) > MAX_JSON_DEPTH:
        raise InvalidInput(
            f"The JSON nests deeper than {MAX_JSON_DEPTH} levels; flatten it and send again"
        )
    return decode(data)


def json_depth(raw: bytes) -> int:
    """How deep the brackets of JSON text nest, outside its strings: a few passes in C over
    the text's brackets and quotes alone."""
    if b"\\" in raw:  # escaped backslashes and quotes never open or close a string
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = np.frombuffer(raw.translate(None, _ALL_BUT_BRACKETS_AND_QUOTES), np.uint8)
    quotes = marks == ord('"')
    outside_strings = np.cumsum(quotes) % 2 == 0  # an even number of quotes before it
    brackets = marks[outside_strings & ~quotes]
    if brackets.size == 0:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())
