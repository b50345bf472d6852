"""v3 model create and patch bodies, and the registry entry (or changes) each one records."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from perfledger.api.v3.model_shapes import (
    DESCRIPTIVE_FIELDS,
    InputType,
    ModelStatus,
    Name,
    Schema,
    Spec,
    TaskParams,
    VersionLabel,
    XaiParams,
    plain,
)
from perfledger.domain.catalog.entry import normalized_columns
from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import normalize_timestamp
from perfledger.domain.vocabulary import Task


class ModelCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    project_id: str
    input_type: InputType
    task: Task
    schema: Schema
    spec: Spec = msgspec.field(default_factory=Spec)
    version: VersionLabel | None = None
    status: ModelStatus = ModelStatus.LIVE
    task_params: TaskParams | None = None
    xai_params: XaiParams | None = None
    description: str | None = None
    owner_id: str | None = None
    deployment_date: str | None = None
    algorithm: str | None = None
    framework: str | None = None
    event_id_col: str | None = None
    event_ts_col: str | None = None
    event_ts_format: str | None = None


class ModelPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; a null `version`, `schema` or `spec` changes nothing."""

    version: VersionLabel | UnsetType | None = UNSET
    status: ModelStatus | UnsetType = UNSET
    input_type: InputType | UnsetType = UNSET
    task: Task | UnsetType = UNSET
    schema: Schema | UnsetType | None = UNSET
    spec: Spec | UnsetType | None = UNSET
    task_params: TaskParams | UnsetType | None = UNSET
    xai_params: XaiParams | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    owner_id: str | UnsetType | None = UNSET
    deployment_date: str | UnsetType | None = UNSET
    algorithm: str | UnsetType | None = UNSET
    framework: str | UnsetType | None = UNSET
    event_id_col: str | UnsetType | None = UNSET
    event_ts_col: str | UnsetType | None = UNSET
    event_ts_format: str | UnsetType | None = UNSET


def entry_of(data: ModelCreate) -> dict[str, Any]:
    """The registry entry a create records (the model's core lives in `Model.Registered`)."""
    entry = {name: plain(getattr(data, name)) for name in DESCRIPTIVE_FIELDS}
    entry["version"] = data.version or "v1"
    entry["deployment_date"] = _timestamp(data.deployment_date)
    entry.update(
        schema=_schema(data.schema),
        spec=plain(data.spec),
        task_params=plain(data.task_params or TaskParams()),
        xai_params=plain(data.xai_params or XaiParams()),
        artifact_status="no_model",
        artifact_files=[],
    )
    return entry


def changes_of(data: ModelPatch) -> dict[str, Any]:
    """The fields a patch sends, as the entry stores them."""
    changes: dict[str, Any] = {}
    for name in (*DESCRIPTIVE_FIELDS, "schema", "spec", "task_params", "xai_params"):
        value = getattr(data, name)
        if value is UNSET or (value is None and name in ("version", "schema", "spec")):
            continue
        if name == "schema":
            changes[name] = _schema(value)
        elif name == "deployment_date":
            changes[name] = _timestamp(value)
        elif name == "task_params":
            changes[name] = plain(value or TaskParams())
        elif name == "xai_params":
            changes[name] = plain(value or XaiParams())
        else:
            changes[name] = plain(value)
    return changes


def _schema(schema: Schema) -> dict[str, Any]:
    return {"schema_version": schema.schema_version,
            "columns": normalized_columns(plain(schema.columns))}


def _timestamp(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return normalize_timestamp(text)
    except ValueError as error:
        raise InvalidInput(f"deployment_date: {error}") from None
