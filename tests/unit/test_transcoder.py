"""The msgspec transcoder restores ids and timestamps and leaves payloads as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from perfledger.domain.errors import InvalidInput
from perfledger.domain.transcoder import MsgspecTranscoder, holds_nul


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


@pytest.mark.parametrize(
    ("state", "where"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"records": [{"row_id": "ok"}, {"tags": {"k\x00": 1}}]}, "records[1].tags.k\\u0000"),
        ({"row_ids": ["x", "y\x00"]}, "row_ids[1]"),
    ],
)
def test_a_state_holding_nul_is_refused_naming_where(state: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        MsgspecTranscoder().encode(state)
    assert refused.value.details == {"field": where}


@pytest.mark.parametrize("text", ["\\u0000", "\\\\u0000", "u0000", "\\x00"])
def test_text_that_only_spells_out_nul_is_stored(text: str) -> None:
    transcoder = MsgspecTranscoder()
    assert transcoder.decode(transcoder.encode({"note": text})) == {"note": text}
    assert not holds_nul(msgspec.json.encode(text))
