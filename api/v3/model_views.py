"""The v3 model as the client parses it, from the catalog or straight from the aggregate."""

from __future__ import annotations

from typing import Any

import msgspec

from perfledger.api.auth import Principal
from perfledger.api.v3.people import Organization, ProjectRef, User, organization_of, user
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.catalog.queries import EntryRow


class ModelOut(msgspec.Struct):
    id: str
    name: str
    version: str
    status: str
    organization: Organization
    project: ProjectRef
    input_type: str
    task: str
    description: str | None
    owner: User | None
    deployment_date: str | None
    artifact_status: str
    deleted_at: str | None
    algorithm: str | None
    framework: str | None
    created_by: User
    updated_by: User
    created_at: str
    updated_at: str
    task_params: dict[str, Any]
    schema: dict[str, Any]
    spec: dict[str, Any]
    event_id_col: str | None
    event_ts_col: str | None
    event_ts_format: str | None
    xai_params: dict[str, Any]
    artifact_files: list[dict[str, Any]]
    is_binary_ranking_model: bool


def model_out(row: EntryRow, principal: Principal) -> ModelOut:
    entry = row.entry
    owner = entry.get("owner_id")
    return ModelOut(
        id=row.model_id,
        name=row.name,
        version=entry["version"],
        status=entry["status"],
        organization=organization_of(principal),
        project=ProjectRef(row.project_id, row.project_name),
        input_type=entry["input_type"],
        task=row.task,
        description=entry.get("description"),
        owner=None if owner is None else user(owner),
        deployment_date=entry.get("deployment_date"),
        artifact_status=entry.get("artifact_status", "no_model"),
        deleted_at=None,
        algorithm=entry.get("algorithm"),
        framework=entry.get("framework"),
        created_by=user(row.created_by),
        updated_by=user(row.updated_by),
        created_at=row.created_at,
        updated_at=row.updated_at,
        task_params=entry["task_params"],
        schema=entry["schema"],
        spec=entry["spec"],
        event_id_col=entry.get("event_id_col"),
        event_ts_col=entry.get("event_ts_col"),
        event_ts_format=entry.get("event_ts_format"),
        xai_params=entry["xai_params"],
        artifact_files=entry.get("artifact_files", []),
        is_binary_ranking_model=False,
    )


def row_of(model: Model, project_name: str) -> EntryRow:
    """What the catalog will show once it has caught up, for answering a command at once."""
    return EntryRow(
        model_id=str(model.id),
        project_id=model.project_id,
        project_name=project_name,
        name=model.name,
        task=str(model.task),
        created_at=format_timestamp(model.created_on),
        updated_at=format_timestamp(model.modified_on),
        created_by=model.created_by,
        updated_by=model.updated_by,
        entry=dict(model.entry or {}),
    )
