"""Infers a model schema from sample values: types, ranges and categories, read off the values."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from domain.registry_entry import SPEC_ROLES, normalized_columns

INTEGER = re.compile(r"^[+-]?\d+$")
BOOLEAN = {"true": True, "false": False}
MISSING = {"", "nan", "none", "null", "<na>", "nat"}
# Text looks like a moment only if it has a date's or a time's separators.
TIMESTAMP_HINT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")


def infer_schema(frame: pd.DataFrame, max_cardinality: int) -> dict[str, Any]:
    """One column per frame column; its values are read as text, as fiddler-client sends them."""
    columns = [infer_column(str(name), frame[name], max_cardinality) for name in frame.columns]
    return {"schema_version": 1, "columns": normalized_columns(columns)}


def infer_column(name: str, values: pd.Series, max_cardinality: int) -> dict[str, Any]:
    text = pd.Series(
        [str(v).strip() for v in values if v is not None and str(v).strip().lower() not in MISSING],
        dtype=object,
    )
    if text.empty:
        return {"name": name, "data_type": "str"}
    lowered = text.str.lower()
    if lowered.isin(list(BOOLEAN)).all():
        flags = sorted({BOOLEAN[value] for value in lowered})
        return {"name": name, "data_type": "bool", "categories": flags}
    if text.map(lambda v: bool(INTEGER.match(v))).all():
        integers = text.map(int)
        column = {"name": name, "data_type": "int", "min": int(integers.min()),
                  "max": int(integers.max())}
        return _with_categories(column, integers, max_cardinality)
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all() and np.isfinite(numbers.astype(float)).all():
        return {"name": name, "data_type": "float", "min": float(numbers.min()),
                "max": float(numbers.max())}
    if text.map(lambda v: bool(TIMESTAMP_HINT.search(v))).all():
        moments = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        if moments.notna().all():
            return {"name": name, "data_type": "timestamp"}
    distinct = text.nunique()
    if distinct <= max_cardinality:
        return {"name": name, "data_type": "category", "categories": sorted(text.unique())}
    return {"name": name, "data_type": "str"}


def _with_categories(column: dict[str, Any], values: pd.Series, limit: int) -> dict[str, Any]:
    """Whole numbers with few distinct values keep them as categories (labels like 0 and 1)."""
    distinct = sorted(int(value) for value in values.unique())
    return {**column, "categories": distinct} if len(distinct) <= limit else column


def complete_spec(spec: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The spec as given; when it names no inputs, every column it leaves unnamed is one."""
    spec = {"schema_version": 1, **{role: [] for role in SPEC_ROLES}, "custom_features": [],
            **spec}
    if not spec["inputs"]:
        named = {name for role in SPEC_ROLES for name in spec[role]}
        spec["inputs"] = [name for name in columns if name not in named]
    return spec
