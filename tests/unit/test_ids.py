"""Ids in paths and bodies: one parser for every dialect."""

from __future__ import annotations

import uuid

import pytest

from perfledger.api.ids import parse_id
from perfledger.domain.errors import NotFound


def test_a_well_formed_id_parses_whatever_its_case() -> None:
    text = "C0C72488-99F7-4215-B46E-4A0163CDD475"
    assert parse_id(text, "Model") == uuid.UUID(text.lower())


@pytest.mark.parametrize("kind", ["Model", "Project", "File", "Job"])
def test_a_malformed_id_is_not_found_naming_its_kind(kind: str) -> None:
    with pytest.raises(NotFound) as raised:
        parse_id("not-a-uuid", kind)
    assert raised.value.message == f"{kind} 'not-a-uuid' not found"
