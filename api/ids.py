"""Ids in paths and bodies of every dialect: a malformed one names nothing, so it is a 404."""

from __future__ import annotations

import uuid

from perfledger.domain.errors import NotFound


def parse_id(text: str, kind: str) -> uuid.UUID:
    """The UUID `text` spells; anything else is a 404 naming the kind, like an unknown id."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"{kind} '{text}' not found") from None
