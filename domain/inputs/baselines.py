"""Baselines: the reference a window of a model's rows is judged against.

- `static`: the rows of a split of a version (the version asked about when none is named),
  optionally within `[start, end)` by row time; rows added to that range later are part of it.
- `rolling`: for a window starting at `t` of length `window`, the rows of the window's own
  split and version in `[t - offset * window, t - (offset - 1) * window)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import parse_timestamp, to_micros
from perfledger.domain.vocabulary import DatasetSplit

KINDS = ("static", "rolling")
WINDOWS = ("hour", "day", "week")
MAX_OFFSET = 1_000
MAX_BASELINES_PER_MODEL = 100
MAX_BASELINE_NAME_CHARS = 200
SPLITS = tuple(str(split) for split in DatasetSplit)


@dataclass(frozen=True)
class BaselineDefinition:
    kind: str
    dataset_split: str | None = None  # static
    version_id: str | None = None  # static; None: the version asked about
    start: int | None = None  # static, row time in microseconds
    end: int | None = None
    window: str | None = None  # rolling
    offset: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BaselineDefinition:
        return cls(**value)


def parse_baseline(raw: dict[str, Any]) -> tuple[str, BaselineDefinition, bool]:
    """The name, definition and `default` of a baseline as a caller sends it; InvalidInput
    naming the field at fault."""
    name = raw.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_BASELINE_NAME_CHARS:
        raise InvalidInput(f"'name' is 1 to {MAX_BASELINE_NAME_CHARS} characters",
                           {"field": "name"})
    default = raw.get("default", False)
    if not isinstance(default, bool):
        raise InvalidInput("'default' is true or false", {"field": "default"})
    kind = raw.get("type")
    if kind not in KINDS:
        raise InvalidInput(f"'type' is one of {', '.join(KINDS)}", {"field": "type"})
    allowed = ({"name", "type", "default", "dataset_split", "version_id", "start", "end"}
               if kind == "static" else {"name", "type", "default", "window", "offset"})
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidInput(f"A {kind} baseline takes no {unknown[0]!r}; it takes"
                           f" {', '.join(sorted(allowed))}", {"field": unknown[0]})
    if kind == "static":
        return name.strip(), _static(raw), default
    return name.strip(), _rolling(raw), default


def _static(raw: dict[str, Any]) -> BaselineDefinition:
    split = raw.get("dataset_split")
    if split not in SPLITS:
        raise InvalidInput(f"'dataset_split' is one of {', '.join(SPLITS)}",
                           {"field": "dataset_split"})
    version = raw.get("version_id")
    if version is not None and (not isinstance(version, str) or not 1 <= len(version) <= 200):
        raise InvalidInput("'version_id' is 1 to 200 characters", {"field": "version_id"})
    start, end = _moment(raw, "start"), _moment(raw, "end")
    if start is not None and end is not None and start >= end:
        raise InvalidInput("'end' must come after 'start'", {"field": "end"})
    return BaselineDefinition("static", split, version, start, end)


def _moment(raw: dict[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f"'{name}' is an ISO 8601 date or time", {"field": name})
    try:
        return to_micros(parse_timestamp(value))
    except ValueError:
        raise InvalidInput(f"'{name}' is an ISO 8601 date or time, not {value!r}",
                           {"field": name}) from None


def _rolling(raw: dict[str, Any]) -> BaselineDefinition:
    window, offset = raw.get("window"), raw.get("offset")
    if window not in WINDOWS:
        raise InvalidInput(f"'window' is one of {', '.join(WINDOWS)}", {"field": "window"})
    if type(offset) is not int or not 1 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"'offset' is a whole number of windows from 1 to {MAX_OFFSET}",
                           {"field": "offset"})
    return BaselineDefinition("rolling", window=window, offset=offset)
