"""Timestamps: ISO 8601 in, UTC with a Z suffix out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A row's time falls between the epoch and a day after the service's clock: a year 1 or
# 9999 is a bug in the sender, which would otherwise widen every window to millennia.
ROW_TIMES_AHEAD = timedelta(days=1)
EARLIEST_ROW_TIME = "1970-01-01T00:00:00.000000Z"


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


def latest_row_time(now: datetime | None = None) -> str:
    """The latest row time accepted now, as stored (stored times order as their text)."""
    return format_timestamp((now or datetime.now(UTC)) + ROW_TIMES_AHEAD)


def row_time_problem(stored: str, latest: str) -> str | None:
    """Why a row's time (as stored) is refused; None when it is within bounds."""
    if stored < EARLIEST_ROW_TIME:
        return f"'{stored}' is before 1970-01-01T00:00:00Z, the earliest row time accepted"
    if stored > latest:
        return (f"'{stored}' is more than a day after the service's clock ({latest[:19]}Z is"
                " the latest row time accepted now)")
    return None


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


def format_whole_seconds(micros: Sequence[int]) -> list[str]:
    """`format_micros` of many whole-second moments (bucket bounds) at once, by numpy: a
    thousand buckets' bounds in a tenth of the time one by one takes."""
    seconds = (np.array(micros, dtype=np.int64) // 1_000_000).astype("datetime64[s]")
    texts: list[str] = np.datetime_as_string(seconds, unit="s").tolist()
    return [text + "Z" for text in texts]


def to_micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


# The first and the last moment a timestamp can name (years 1 to 9999), in microseconds
FIRST_MICROS = to_micros(datetime.min.replace(tzinfo=UTC))
LAST_MICROS = to_micros(datetime.max.replace(tzinfo=UTC))
