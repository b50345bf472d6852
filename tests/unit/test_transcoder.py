"""The msgspec transcoder restores ids and timestamps and leaves payloads as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from domain.transcoder import MsgspecTranscoder


def test_round_trips_top_level_uuids_and_datetimes() -> None:
    transcoder = MsgspecTranscoder()
    state = {
        "model_id": uuid4(),
        "timestamp": datetime(2026, 3, 13, 14, 22, 10, 5, tzinfo=UTC),
        "row_ids": ["a", "b"],
        "scores": [0.25, None],
        "features": ['{"x":1}', None],
    }

    decoded = transcoder.decode(transcoder.encode(state))

    assert decoded == state
    assert type(decoded["model_id"]) is type(state["model_id"])


def test_plain_payloads_carry_no_type_tags() -> None:
    encoded = MsgspecTranscoder().encode({"a": 1, "b": [1.5, "x"]})
    assert encoded == b'{"a":1,"b":[1.5,"x"]}'
