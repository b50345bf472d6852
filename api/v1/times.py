"""Timestamps given as query parameters (`as_of`, `start`, `end`)."""

from __future__ import annotations

from datetime import datetime

from litestar.exceptions import ValidationException

from perfledger.domain.timestamps import parse_timestamp, to_micros


def query_time(field: str, text: str | None) -> datetime | None:
    """An ISO 8601 timestamp or date; a 400 naming the parameter when it is not one."""
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise ValidationException(
            f"Invalid {field}: {error}", extra=[{"key": field, "source": "query"}]
        ) from None


def query_micros(field: str, text: str | None) -> int | None:
    moment = query_time(field, text)
    return None if moment is None else to_micros(moment)
