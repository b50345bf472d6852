"""A v3 registry entry (schema, spec, task parameters): its checks and what it implies."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from perfledger.domain.errors import InvalidInput
from perfledger.domain.limits import (
    MAX_COLUMNS_PER_MODEL,
    MAX_ENTRY_BYTES,
    check_count,
    check_encoded_size,
    key_problem,
)
from perfledger.domain.vocabulary import Task

SPEC_ROLES = ("inputs", "outputs", "targets", "decisions", "metadata")
COLUMN_FIELDS = ("min", "max", "categories", "bins", "replace_with_nulls", "n_dimensions")
DEFAULT_THRESHOLD = 0.5


def label_text(value: object) -> str:
    """One spelling per label whatever the source: 1, 1.0 and "1" are all "1"."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_id(name: str) -> str:
    return quote(name, safe="")


def normalized_columns(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every column with each optional field present (null when absent) and its id."""
    return [
        {
            "id": column_id(column["name"]),
            "name": column["name"],
            "data_type": column["data_type"],
            **{key: column.get(key) for key in COLUMN_FIELDS},
        }
        for column in columns
    ]


def check_entry(task: Task, entry: dict[str, Any]) -> None:
    """The spec names only columns of the schema; a classifier's target has categories."""
    check_count("schema.columns", entry["schema"]["columns"], MAX_COLUMNS_PER_MODEL)
    check_encoded_size("The model (schema, spec and parameters)",
                       len(msgspec.json.encode(entry)), MAX_ENTRY_BYTES)
    problems: list[str] = []
    for index, column in enumerate(entry["schema"]["columns"]):
        if (too_long := key_problem(column["name"])) is not None:
            problems.append(f"schema.columns[{index}].name {too_long}")
    columns = {column["name"]: column for column in entry["schema"]["columns"]}
    if len(columns) != len(entry["schema"]["columns"]):
        problems.append("schema.columns names a column more than once")
    spec = entry["spec"]
    for role in SPEC_ROLES:
        for name in spec.get(role) or []:
            if name not in columns:
                problems.append(f"spec.{role} names '{name}', which is not in schema.columns")
    for key in ("event_id_col", "event_ts_col"):
        name = entry.get(key)
        if name is not None and name not in columns:
            problems.append(f"{key} '{name}' is not in schema.columns")
    if task.is_classification:
        targets = spec.get("targets") or []
        if targets and targets[0] in columns and not columns[targets[0]].get("categories"):
            problems.append(
                f"target column '{targets[0]}' of a {task} model must have categories"
            )
        labels = labels_of(task, entry)
        if task is Task.BINARY_CLASSIFICATION and len(labels) != 2:
            problems.append(
                f"a binary_classification model has exactly two classes; found {labels}"
            )
    if problems:
        raise InvalidInput("Invalid model: " + "; ".join(problems), {"problems": problems})


def labels_of(task: Task, entry: dict[str, Any]) -> list[str]:
    """The classes: `task_params.target_class_order` if given, else the target's categories."""
    if not task.is_classification:
        return []
    order = (entry.get("task_params") or {}).get("target_class_order")
    if order:
        return [label_text(value) for value in order]
    targets = entry["spec"].get("targets") or []
    for column in entry["schema"]["columns"]:
        if targets and column["name"] == targets[0]:
            return [label_text(value) for value in column.get("categories") or []]
    return []


def threshold_of(entry: dict[str, Any]) -> float:
    value = (entry.get("task_params") or {}).get("binary_classification_threshold")
    return DEFAULT_THRESHOLD if value is None else float(value)
