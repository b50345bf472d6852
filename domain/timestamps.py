"""Timestamps: ISO 8601 in, UTC with a Z suffix out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(text: str) -> datetime:
    """Accepts '2026-03-13T14:22:10Z', offsets and plain dates; naive means UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 timestamp or date") from None
    if len(text) == 10:
        parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"'{text}' falls outside the years 1 to 9999 in UTC") from None


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def format_micros(micros: int) -> str:
    """To the second when whole (bucket bounds fall on whole hours); else to the microsecond."""
    moment = from_micros(micros)
    if micros % 1_000_000 == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return format_timestamp(moment)


def to_micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)
