"""Validation helpers: collect every problem of a batch, then fail once naming them all."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import key_problem

if TYPE_CHECKING:
    from perfledger.domain.performance.records import Label, ModelTraits

MAX_RECORDS_PER_BATCH = 10_000


@dataclass
class Problems:
    """Collects every offending record so one answer names them all."""

    items: list[dict[str, object]] = field(default_factory=list)

    def add(self, index: int, field_name: str, message: str) -> None:
        self.items.append({"index": index, "field": field_name, "message": message})

    def raise_if_any(self, what: str) -> None:
        if self.items:
            indexes = sorted({int(str(item["index"])) for item in self.items})
            raise InvalidInput(
                f"{what}: {len(indexes)} invalid record(s) at index {_preview(indexes)}",
                {"invalid_records": self.items},
            )


def _preview(indexes: list[int]) -> str:
    shown = ", ".join(map(str, indexes[:20]))
    return shown + (f" and {len(indexes) - 20} more" if len(indexes) > 20 else "")


def check_batch_size(count: int) -> None:
    if not 1 <= count <= MAX_RECORDS_PER_BATCH:
        raise InvalidInput(
            f"A batch holds 1 to {MAX_RECORDS_PER_BATCH} records; this one has {count}"
        )


def check_row_ids_unique(
    row_ids: Sequence[str], problems: Problems, name: str = "row_id"
) -> None:
    seen: set[str] = set()
    for index, row_id in enumerate(row_ids):
        if not row_id:
            problems.add(index, name, f"{name} must not be empty")
        elif (too_long := key_problem(row_id)) is not None:
            problems.add(index, name, f"{name} {too_long}")
        elif row_id in seen:
            problems.add(index, name, f"{name} '{row_id}' appears more than once in the batch")
        seen.add(row_id)


def check_key_value(index: int, name: str, value: str | None, problems: Problems) -> None:
    """A value that becomes part of an index key (a label, a bucket, a user) fits one."""
    if value is not None and (too_long := key_problem(value)) is not None:
        problems.add(index, name, f"{name} {too_long}")


def as_label(value: Label | None) -> str | None:
    return None if value is None else str(value)


def check_label(traits: ModelTraits, index: int, name: str, label: str | None, p: Problems) -> None:
    if label is not None and traits.labels and label not in traits.labels:
        p.add(index, name, f"label '{label[:100]}' is not one of the model's labels "
                           f"{traits.labels}")
    elif label is not None:
        check_key_value(index, name, label, p)


def check_finite(index: int, name: str, value: float | None, problems: Problems) -> None:
    if value is not None and not math.isfinite(value):
        problems.add(index, name, f"{name} must be a finite number")


def check_probability(index: int, name: str, value: float, p: Problems) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        p.add(index, name, f"{name} is {value!r}, outside [0, 1]")


def require(index: int, name: str, value: object, p: Problems) -> None:
    if value is None:
        p.add(index, name, f"{name} is required for this model's task")


def forbid(index: int, name: str, value: object, p: Problems) -> None:
    if value is not None:
        p.add(index, name, f"{name} does not belong to this model's task")
