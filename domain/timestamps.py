"""Timestamps: ISO 8601 in, UTC with a Z suffix out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np

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


def normalize_timestamp(text: str) -> str:
    """`text` as stored: UTC to the microsecond with a Z suffix (ValueError if it is no
    timestamp). Text already in that form, or with +00:00 for the Z, is only validated: most
    clients send one of the two, and reformatting is most of the cost of a row."""
    if _stored_shape(text):
        try:
            datetime.fromisoformat(text)  # the digits make a real moment (no 30 February)
        except ValueError:
            pass  # the full parse below says what is wrong
        else:
            return text[:26] + "Z"
    return format_timestamp(parse_timestamp(text))


def _stored_shape(text: str) -> bool:
    """YYYY-MM-DDTHH:MM:SS.ffffff and Z or +00:00, an hour below 24."""
    return (((len(text) == 27 and text[26] == "Z")
             or (len(text) == 32 and text[26:] == "+00:00"))
            and text[4] == "-" and text[7] == "-" and text[10] == "T" and text[13] == ":"
            and text[16] == ":" and text[19] == "." and text[11:13] < "24")


def stored_micros(texts: Sequence[str | None], default: int) -> list[int]:
    """Microseconds since the epoch of stored timestamps (`normalize_timestamp`'s form), and
    `default` for None: parsed by numpy all at once when every one is in that form."""
    present = [text for text in texts if text is not None]
    if not all(len(text) == 27 and text[26] == "Z" for text in present):
        return [default if text is None else to_micros(parse_timestamp(text)) for text in texts]
    micros = iter(np.array([text[:26] for text in present], dtype="datetime64[us]")
                  .astype(np.int64).tolist())
    return [default if text is None else next(micros) for text in texts]


def format_micros(micros: int) -> str:
    """To the second when whole (bucket bounds fall on whole hours); else to the microsecond."""
    moment = from_micros(micros)
    if micros % 1_000_000 == 0:
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    return format_timestamp(moment)


def to_micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


# The first and the last moment a timestamp can name (years 1 to 9999), in microseconds
FIRST_MICROS = to_micros(datetime.min.replace(tzinfo=UTC))
LAST_MICROS = to_micros(datetime.max.replace(tzinfo=UTC))
