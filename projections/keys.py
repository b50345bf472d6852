"""Keys a read model refuses, whichever backend holds it: values longer than the key cap.

Commands refuse them first (400); an event recorded before the cap existed is quarantined
here with a clear error, on SQLite as on PostgreSQL (whose indexes could not hold it).
"""

from __future__ import annotations

from collections.abc import Iterable

from perfledger.domain import limits


def require_keys(field: str, values: Iterable[str | None]) -> None:
    cap = limits.MAX_KEY_BYTES
    present = [value for value in values if value is not None]
    if not present or max(map(len, present)) * 4 <= cap:  # no UTF-8 text of these is longer
        return
    for value in present:
        if (problem := limits.key_problem(value, cap)) is not None:
            raise ValueError(f"{field} {problem}: it cannot be a key of this read model")
