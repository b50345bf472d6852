"""A model's columns: its inputs and outputs, each with a type and frozen bins.

- `float`, `int`: a JSON number (`int`: integral), in 10 bins of equal width between `min`
  and `max`, the outer two open-ended;
- `category`, `bool`: a string (a bool), in one bin per category, and `__other__` for a
  value outside them;
- `str`: a string, in no bin: counted for data integrity only.

A column without a type (an input the model names but does not describe) has its missing
values counted and nothing else: declaring it (`columns` on the model) bins it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.domain.errors import InvalidInput

COLUMN_TYPES = ("float", "int", "category", "bool", "str")
NUMERIC = ("float", "int")
CATEGORICAL = ("category", "bool")
NUMERIC_BINS = 10
OTHER = "__other__"  # the bin of a category outside the declared ones
MAX_COLUMNS = 1_000
MAX_CATEGORIES = 1_000
MAX_CATEGORY_CHARS = 256
MAX_COLUMN_NAME_CHARS = 200
LARGEST_BOUND = 1e15  # numeric bounds within ±1e15: bins of any width stay distinct floats

Category = str | bool


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str | None  # None: undeclared, its missing values counted only
    min: float | None = None
    max: float | None = None
    categories: tuple[Category, ...] | None = None
    nullable: bool = True

    @property
    def binned(self) -> bool:
        """Whether the column has bins, so drift can be measured on it."""
        if self.type in NUMERIC:
            return self.min is not None and self.max is not None
        return self.type in CATEGORICAL and self.categories is not None

    @property
    def bin_count(self) -> int:
        if not self.binned:
            return 0
        return NUMERIC_BINS if self.type in NUMERIC else len(self.categories or ()) + 1

    def interior_edges(self) -> npt.NDArray[np.float64]:
        """The 9 edges between a numeric column's 10 bins (a value on an edge falls in the bin
        above it)."""
        assert self.min is not None and self.max is not None
        return np.linspace(self.min, self.max, NUMERIC_BINS + 1)[1:-1]

    def bins(self) -> list[Any]:
        """What each bin holds: `[low, high]` (None where open-ended), or its category."""
        if not self.binned:
            return []
        if self.type in CATEGORICAL:
            return [*(self.categories or ()), OTHER]
        edges = self.interior_edges().tolist()
        bounds = [None, *edges, None]
        return [[bounds[i], bounds[i + 1]] for i in range(NUMERIC_BINS)]

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"name": self.name, "type": self.type, "nullable": self.nullable}
        if self.min is not None:
            found["min"], found["max"] = self.min, self.max
        if self.categories is not None:
            found["categories"] = list(self.categories)
        return found

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ColumnSpec:
        categories = value.get("categories")
        return cls(value["name"], value.get("type"), value.get("min"), value.get("max"),
                   None if categories is None else tuple(categories),
                   bool(value.get("nullable", True)))


def parse_columns(raw: list[dict[str, Any]]) -> tuple[ColumnSpec, ...]:
    """Declared columns, checked: InvalidInput naming the column and field at fault."""
    if len(raw) > MAX_COLUMNS:
        raise InvalidInput(f"At most {MAX_COLUMNS} columns, not {len(raw)}", {"field": "columns"})
    specs = tuple(parse_column(entry, f"columns[{i}]") for i, entry in enumerate(raw))
    names = [spec.name for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InvalidInput(f"Column {twice[0]!r} is declared twice", {"field": "columns"})
    return specs


def parse_column(entry: dict[str, Any], where: str = "") -> ColumnSpec:
    """One column's spec, checked: InvalidInput naming the field at fault (within `where`,
    as `columns[3]`, or at the top of a body of its own)."""
    name, kind = entry.get("name"), entry.get("type")
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_COLUMN_NAME_CHARS:
        raise InvalidInput(f"{_at(where, 'name')} is 1 to {MAX_COLUMN_NAME_CHARS} characters",
                           {"field": _at(where, "name")})
    if kind not in COLUMN_TYPES:
        raise InvalidInput(f"{_at(where, 'type')} of {name!r} is one of {', '.join(COLUMN_TYPES)}",
                           {"field": _at(where, "type")})
    nullable = entry.get("nullable", True)
    if not isinstance(nullable, bool):
        raise InvalidInput(f"{_at(where, 'nullable')} is true or false",
                           {"field": _at(where, "nullable")})
    low, high = entry.get("min"), entry.get("max")
    categories = entry.get("categories")
    if kind in NUMERIC:
        low, high = _bounds(where, name, low, high)
        if categories is not None:
            raise InvalidInput(f"{where or 'column'}: a {kind} column has no categories",
                               {"field": _at(where, "categories")})
        return ColumnSpec(name, kind, low, high, None, nullable)
    if low is not None or high is not None:
        raise InvalidInput(f"{where or 'column'}: a {kind} column has no min or max",
                           {"field": _at(where, "min")})
    if kind == "bool":
        categories = [False, True] if categories is None else categories
    if kind in CATEGORICAL:
        return ColumnSpec(name, kind, None, None, _categories(where, name, kind, categories),
                          nullable)
    if categories is not None:
        raise InvalidInput(f"{where or 'column'}: a str column has no categories",
                           {"field": _at(where, "categories")})
    return ColumnSpec(name, kind, None, None, None, nullable)


def _at(where: str, field: str) -> str:
    return f"{where}.{field}" if where else field


def _bounds(where: str, name: str, low: Any, high: Any) -> tuple[float | None, float | None]:
    if low is None and high is None:
        return None, None
    numbers = [v for v in (low, high) if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != 2 or not all(abs(v) <= LARGEST_BOUND for v in numbers):
        raise InvalidInput(f"{where or 'column'}: {name!r} takes both min and max, numbers within"
                           f" ±{LARGEST_BOUND:g}", {"field": _at(where, "min")})
    if not float(low) < float(high):
        raise InvalidInput(f"{where or 'column'}: {name!r} needs min below max",
                           {"field": _at(where, "max")})
    return float(low), float(high)


def _categories(where: str, name: str, kind: str, categories: Any) -> tuple[Category, ...] | None:
    if categories is None:
        return None
    wanted = bool if kind == "bool" else str
    if (not isinstance(categories, list) or not 1 <= len(categories) <= MAX_CATEGORIES
            or not all(type(c) is wanted for c in categories)):
        raise InvalidInput(f"{where or 'column'}: the categories of {name!r} are 1 to"
                           f" {MAX_CATEGORIES} {'bools' if kind == 'bool' else 'strings'}",
                           {"field": _at(where, "categories")})
    if kind == "category" and any(len(c) > MAX_CATEGORY_CHARS or c == OTHER for c in categories):
        raise InvalidInput(f"{where or 'column'}: a category of {name!r} is at most"
                           f" {MAX_CATEGORY_CHARS} characters, and not {OTHER!r}",
                           {"field": _at(where, "categories")})
    if len(set(categories)) != len(categories):
        raise InvalidInput(f"{where or 'column'}: the categories of {name!r} repeat one",
                           {"field": _at(where, "categories")})
    return tuple(categories)


def output_columns(task: str, labels: list[str]) -> list[ColumnSpec]:
    """What the model puts out, as columns: binned from what the task says of them."""
    if task == "regression":
        return [ColumnSpec("prediction", "float")]
    outputs = [ColumnSpec("predicted_label", "category", categories=tuple(labels) or None)]
    if task == "binary_classification":
        return [*outputs, ColumnSpec("score", "float", 0.0, 1.0)]
    return [*outputs, *(ColumnSpec(f"probability.{label}", "float", 0.0, 1.0)
                        for label in labels)]


def model_columns(task: str, labels: list[str], inputs: list[str],
                  declared: list[ColumnSpec]) -> list[ColumnSpec]:
    """Every column of a model: its outputs, its inputs, then what else it declares; a
    declared column's spec replaces what the model would otherwise give it."""
    mine = {spec.name: spec for spec in declared}
    names = [spec.name for spec in output_columns(task, labels)] + list(inputs)
    names += [name for name in mine if name not in names]
    given = {spec.name: spec for spec in output_columns(task, labels)}
    return [mine.get(name) or given.get(name) or ColumnSpec(name, None)
            for name in dict.fromkeys(names)]


def columns_of_schema(schema_columns: list[dict[str, Any]], inputs: list[str]
                      ) -> list[ColumnSpec]:
    """The typed inputs of a v3 schema (`data_type`, `min`, `max`, `categories`,
    `nullable`): a column whose bounds or categories cannot bin it keeps its type alone, and a
    type perfledger does not measure (timestamps, vectors) is left undeclared. Fiddler lists a
    numeric column's distinct values as `categories`: its bins come from `min` and `max`."""
    wanted = set(inputs)
    found: list[ColumnSpec] = []
    for column in schema_columns:
        kind = column.get("data_type")
        if column.get("name") not in wanted or kind not in COLUMN_TYPES:
            continue
        keys = ("min", "max") if kind in NUMERIC else ("categories",) if kind in CATEGORICAL \
            else ()
        given = {"name": column["name"], "type": kind,
                 **{key: column[key] for key in (*keys, "nullable")
                    if column.get(key) is not None}}
        for attempt in (given, {"name": column["name"], "type": kind}):
            try:
                found.append(parse_column(attempt, f"columns[{len(found)}]"))
                break
            except InvalidInput:
                continue
    return found
