"""JSON from outside is decoded with room for MAX_JSON_DEPTH levels of nesting, and no more.

msgspec counts each level of nesting against Python's recursion limit, from wherever it is
called. A body decoded near the top of one stack could fail again, deeper in another: when
its event is encoded, or when a projection reads it back (a projection that cannot read an
event stops there). Decoding from a fixed distance below the limit makes the bound one
number, and leaves everything that handles the value later hundreds of levels to spare.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from perfledger.domain.errors import InvalidInput

MAX_JSON_DEPTH = 100
# Frames a decoder may use besides one per level (Litestar's decode_json, a dec_hook, ...):
# JSON nested up to this many levels more than the bound also passes.
_DECODER_FRAMES = 5
T = TypeVar("T")


def within_json_depth(data: bytes | str, decode: Callable[[bytes | str], T]) -> T:
    """`decode(data)`, run where only MAX_JSON_DEPTH levels of recursion remain; deeper JSON
    is a 400 naming the bound. JSON with fewer brackets than that cannot nest deeper, and is
    decoded where it stands."""
    if _brackets(data) <= MAX_JSON_DEPTH:
        return decode(data)
    room = sys.getrecursionlimit() - _stack_depth()
    return _descend(room - MAX_JSON_DEPTH - _DECODER_FRAMES, data, decode)


def _descend(levels: int, data: bytes | str, decode: Callable[[bytes | str], T]) -> T:
    if levels > 0:
        return _descend(levels - 1, data, decode)
    try:
        return decode(data)
    except RecursionError:
        raise InvalidInput(
            f"The JSON nests deeper than {MAX_JSON_DEPTH} levels; flatten it and send again"
        ) from None


def _brackets(data: bytes | str) -> int:
    if isinstance(data, bytes):
        return data.count(b"[") + data.count(b"{")
    return data.count("[") + data.count("{")


def _stack_depth() -> int:
    depth, frame = 0, sys._getframe()
    while frame.f_back is not None:
        depth, frame = depth + 1, frame.f_back
    return depth + 1
