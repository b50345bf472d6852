"""Infers a model schema from sample values: types, ranges and categories, read off the values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from perfledger.domain.catalog.entry import SPEC_ROLES, normalized_columns

if TYPE_CHECKING:
    import pandas as pd

# Integer text: sign, leading zeros, digits. An int column's values fit 64 bits.
INTEGER = re.compile(r"([+-]?)0*(\d+)")
BOOLEAN = {"true": True, "false": False}
MISSING = {"", "nan", "none", "null", "<na>", "nat"}
# Text looks like a moment only if it has a date's or a time's separators.
TIMESTAMP_HINT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")


def infer_schema(frame: pd.DataFrame, max_cardinality: int) -> dict[str, Any]:
    """One column per frame column; its values are read as text, as fiddler-client sends them."""
    columns = [infer_column(str(name), frame[name], max_cardinality) for name in frame.columns]
    # Nothing is inferred to stand for null: the list is there, and empty.
    return {"schema_version": 1,
            "columns": [{**column, "replace_with_nulls": []}
                        for column in normalized_columns(columns)]}


def infer_column(name: str, values: pd.Series, max_cardinality: int) -> dict[str, Any]:
    """The column's type and range; its distinct values as `categories` when there are at
    most `max_cardinality` of them, whatever the type (text with more is `str`)."""
    import pandas as pd  # loaded with the first sample read, not at start

    text = pd.Series(
        [str(v).strip() for v in values if v is not None and str(v).strip().lower() not in MISSING],
        dtype=object,
    )
    if text.empty:
        return {"name": name, "data_type": "str"}
    column, distinct = _typed(name, text)
    if len(distinct) <= max_cardinality:
        return {**column, "categories": distinct}
    return {"name": name, "data_type": "str"} if column["data_type"] == "category" else column


def _typed(name: str, text: pd.Series) -> tuple[dict[str, Any], list[Any]]:
    """The column read as the narrowest type all its values fit, and its distinct values,
    sorted (timestamps keep their spelling, in time order)."""
    import pandas as pd

    lowered = text.str.lower()
    if lowered.isin(list(BOOLEAN)).all():
        return {"name": name, "data_type": "bool"}, sorted({BOOLEAN[v] for v in lowered})
    matches = [INTEGER.fullmatch(value) for value in text]
    if all(matches):
        integers = _within_64_bits(matches)
        if integers is None:  # too wide for any numeric column: text, as pandas keeps it
            return {"name": name, "data_type": "category"}, sorted(text.unique())
        column = {"name": name, "data_type": "int", "min": min(integers), "max": max(integers)}
        return column, sorted(set(integers))
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all() and np.isfinite(numbers.astype(float)).all():
        floats = numbers.astype(float)
        column = {"name": name, "data_type": "float", "min": float(floats.min()),
                  "max": float(floats.max())}
        return column, sorted({float(value) for value in floats})
    if text.map(lambda v: bool(TIMESTAMP_HINT.search(v))).all():
        moments = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        if moments.notna().all():
            spelled = pd.DataFrame({"text": text, "moment": moments}).drop_duplicates("text")
            return ({"name": name, "data_type": "timestamp"},
                    list(spelled.sort_values(["moment", "text"])["text"]))
    return {"name": name, "data_type": "category"}, sorted(text.unique())


def _within_64_bits(matches: list[re.Match[str] | None]) -> list[int] | None:
    """Matched integer text as integers, if together they fit int64 or, none negative, uint64
    (the integer columns pandas reads); longer digits are never parsed."""
    integers = []
    for match in matches:
        if match is None or len(match[2]) > 20:
            return None
        integers.append(int(match[1] + match[2]))
    low, high = min(integers), max(integers)
    if low >= -(2**63) and high < 2**63:
        return integers
    return integers if low >= 0 and high < 2**64 else None


def complete_spec(spec: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The spec as given; when it names no inputs, every column it leaves unnamed is one."""
    spec = {"schema_version": 1, **{role: [] for role in SPEC_ROLES}, "custom_features": [],
            **spec}
    if not spec["inputs"]:
        named = {name for role in SPEC_ROLES for name in spec[role]}
        spec["inputs"] = [name for name in columns if name not in named]
    return spec
