"""How event states are stored: msgspec JSON (ten times the stdlib's speed), then zlib."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Compressor, Transcoder

from perfledger.domain.errors import InvalidInput

# Only top-level attributes may hold these types; nested payloads are plain JSON,
# which keeps decoding a 10,000-row batch a single msgspec call.
_DECODERS: dict[str, Callable[[str], object]] = {"uuid": UUID, "datetime": datetime.fromisoformat}
_TYPE_TAGS = "__types__"
# JSON spells U+0000 as \u0000 (after an even number of backslashes, which escape each other).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _tag_of(value: object) -> str | None:
    if isinstance(value, UUID):
        return "uuid"
    if isinstance(value, datetime):
        return "datetime"
    return None


class MsgspecTranscoder(Transcoder):
    """Encodes an event's attribute dict as JSON, restoring UUIDs and datetimes."""

    def __init__(self) -> None:
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()

    def encode(self, obj: Any) -> bytes:
        tags = {key: tag for key, value in obj.items() if (tag := _tag_of(value))}
        if tags:
            obj = {**obj, _TYPE_TAGS: tags}
        data = self._encoder.encode(obj)
        if holds_nul(data):
            refuse_nul(obj)
        return data

    def decode(self, data: bytes) -> Any:
        state: dict[str, Any] = self._decoder.decode(data)
        tags = state.pop(_TYPE_TAGS, None)
        if tags:
            for key, tag in tags.items():
                state[key] = _DECODERS[tag](state[key])
        return state


def holds_nul(json: bytes) -> bool:
    """Whether JSON text holds U+0000 in a key or a string."""
    return b"u0000" in json and _ESCAPED_NUL.search(json) is not None


def refuse_nul(state: Any) -> None:
    """No event holds U+0000: PostgreSQL's text cannot store it, and it means nothing in a
    name, an id or a label. Raises before anything is appended, naming where it was found."""
    path = _path_to_nul(state, "")
    if path is not None:
        shown = path.replace("\x00", "\\u0000") or "a value"
        raise InvalidInput(
            f"{shown} contains the NUL character (\\u0000), which cannot be stored; "
            "remove it and send again",
            {"field": shown},
        )


def _path_to_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _path_to_nul(item, where)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _path_to_nul(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class FastZlibCompressor(Compressor):
    """zlib at level 1: a 1,000-row batch shrinks about 5x for about 1 ms.

    Smaller states are cheaper to escape, send, write to the WAL and read back than the
    database's own compression of large values.
    """

    def compress(self, data: bytes) -> bytes:
        return zlib.compress(data, 1)

    def decompress(self, data: bytes) -> bytes:
        return zlib.decompress(data)
