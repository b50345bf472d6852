"""JSON for view columns: msgspec, compact, deterministic."""

from __future__ import annotations

from typing import Any

import msgspec

_encoder = msgspec.json.Encoder(order="deterministic")
_decoder = msgspec.json.Decoder()


def dumps(value: Any) -> str:
    return _encoder.encode(value).decode()


def loads(text: str | bytes | None) -> Any:
    return None if text is None else _decoder.decode(text)
