"""v3 model wire shapes: schema, spec, task and explanation parameters, as the seed names them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import msgspec

Scalar = str | int | float | bool
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
VersionLabel = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Threshold = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


class DataType(StrEnum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    CATEGORY = "category"
    TIMESTAMP = "timestamp"
    VECTOR = "vector"


class InputType(StrEnum):
    STRUCTURED = "structured"
    TEXT = "text"
    MIXED = "mixed"


class ModelStatus(StrEnum):
    LIVE = "LIVE"
    INACTIVE = "INACTIVE"


class Column(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    data_type: DataType
    min: int | float | None = None
    max: int | float | None = None
    categories: list[Scalar] | None = None
    bins: list[int | float] | None = None
    replace_with_nulls: list[Scalar] | None = None
    n_dimensions: int | None = None
    id: str | None = None


class Schema(msgspec.Struct, forbid_unknown_fields=True):
    columns: list[Column]
    schema_version: int = 1


class Spec(msgspec.Struct, forbid_unknown_fields=True):
    schema_version: int = 1
    inputs: list[str] = []
    outputs: list[str] = []
    targets: list[str] = []
    decisions: list[str] = []
    metadata: list[str] = []
    custom_features: list[dict[str, Any]] = []


class TaskParams(msgspec.Struct, forbid_unknown_fields=True):
    binary_classification_threshold: Threshold | None = None
    target_class_order: list[Scalar] | None = None
    group_by: str | None = None
    top_k: int | None = None
    class_weights: list[float] | None = None
    weighted_ref_histograms: bool | None = None


class XaiParams(msgspec.Struct, forbid_unknown_fields=True):
    custom_explain_methods: list[str] = []
    default_explain_method: str | None = None


# Registry-entry fields a create sets and a patch may change, besides schema and spec.
DESCRIPTIVE_FIELDS = (
    "version", "status", "input_type", "description", "owner_id", "deployment_date",
    "algorithm", "framework", "event_id_col", "event_ts_col", "event_ts_format",
)


def plain(value: Any) -> Any:
    """A wire struct as the plain JSON-like value an event stores."""
    return msgspec.to_builtins(value)
