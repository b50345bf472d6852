"""Query parameters of the jobs dialect: required ones, datetimes, and the job reference."""

from __future__ import annotations

import re

from perfledger.api.v2.errors import ParameterInvalid
from perfledger.domain.timestamps import parse_timestamp, to_micros
from perfledger.projections.jobs.metrics import TimeRange

# Clients build query strings with f-strings, so the '+' of an offset arrives as a space.
_SPACED_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")


def required(value: str | None, name: str, label: str) -> str:
    if value is None or not value.strip():
        raise ParameterInvalid("query", name, f"{label} is required")
    return value.strip()


def micros_of(text: str | None, name: str) -> int | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    for candidate in (text, _SPACED_OFFSET.sub(r"+\1", text)):
        try:
            return to_micros(parse_timestamp(candidate))
        except ValueError:
            continue
    raise ParameterInvalid("query", name, f"'{text}' is not an ISO 8601 datetime or date")


def time_range(start: str | None, end: str | None) -> TimeRange:
    window = TimeRange(micros_of(start, "start_datetime"), micros_of(end, "end_datetime"))
    if window.start is not None and window.end is not None and window.start > window.end:
        raise ParameterInvalid("query", "end_datetime",
                               "end_datetime must not be before start_datetime")
    return window


def positive_seconds(text: str | None, name: str, default: float) -> float:
    if text is None or not text.strip():
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ParameterInvalid("query", name, f"{name} must be a number of seconds in (0, 3600]")
    return seconds
