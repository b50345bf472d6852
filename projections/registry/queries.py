"""Reads of the registry: models, versions, and which version a query means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfledger.domain.errors import NotFound, Unprocessable
from perfledger.projections.database import Database, Tx
from perfledger.projections.json import loads

SPLITS = ("train", "validation", "test", "production")


@dataclass(frozen=True)
class ModelRow:
    model_id: str
    organization_id: str
    project_id: str
    name: str
    task: str
    labels: list[str]
    positive_label: str | None
    inputs: list[str]
    description: str
    promoted_version_id: str | None
    created_at: str
    updated_at: str
    created_by: str


@dataclass(frozen=True)
class VersionRow:
    model_id: str
    version_id: str
    status: str
    description: str
    params: dict[str, object]
    promoted: bool
    created_at: str
    updated_at: str
    promoted_at: str | None
    row_counts: dict[str, int] = field(default_factory=dict)


_MODEL_COLUMNS = (
    "model_id, organization_id, project_id, name, task, labels, positive_label, inputs,"
    " description, promoted_version_id, created_at, updated_at, created_by"
)
_VERSION_COLUMNS = (
    "model_id, version_id, status, description, params, promoted, created_at, updated_at,"
    " promoted_at"
)


def find_model(db: Database, organization_id: str, model_id: str) -> ModelRow:
    with db.read() as tx:
        return model_in(tx, organization_id, model_id)


def model_in(tx: Tx, organization_id: str, model_id: str) -> ModelRow:
    row = tx.row(
        f"SELECT {_MODEL_COLUMNS} FROM registry_models"
        " WHERE model_id = ? AND organization_id = ?",
        (model_id, organization_id),
    )
    if row is None:
        raise NotFound(f"Model '{model_id}' not found")
    values = list(row)
    values[5], values[7] = loads(values[5]), loads(values[7])
    return ModelRow(*values)


def list_versions(db: Database, model_id: str) -> list[VersionRow]:
    with db.read() as tx:
        rows = tx.rows(
            f"SELECT {_VERSION_COLUMNS} FROM registry_versions WHERE model_id = ?"
            " ORDER BY created_seq",
            (model_id,),
        )
        counts = _row_counts(tx, model_id)
    return [_version(row, counts.get(row[1], {})) for row in rows]


def find_version(db: Database, model_id: str, version_id: str) -> VersionRow:
    with db.read() as tx:
        row = tx.row(
            f"SELECT {_VERSION_COLUMNS} FROM registry_versions"
            " WHERE model_id = ? AND version_id = ?",
            (model_id, version_id),
        )
        counts = _row_counts(tx, model_id)
    if row is None:
        raise NotFound(f"Version '{version_id}' of model '{model_id}' not found")
    return _version(row, counts.get(version_id, {}))


def resolve_version(db: Database, model_id: str, version_id: str | None) -> str:
    with db.read() as tx:
        return version_meant(tx, model_id, version_id)


def version_meant(tx: Tx, model_id: str, version_id: str | None) -> str:
    """The version a performance query means: given, else promoted, else latest trained."""
    if version_id is not None:
        status = tx.value(
            "SELECT status FROM registry_versions WHERE model_id = ? AND version_id = ?",
            (model_id, version_id),
        )
        if status is None:
            raise NotFound(f"Version '{version_id}' of model '{model_id}' not found")
        if status in ("draft", "training"):
            raise Unprocessable(f"Version '{version_id}' is '{status}'; it has no performance yet")
        return version_id
    best = tx.row(
        "SELECT version_id, promoted, status FROM registry_versions WHERE model_id = ?"
        " ORDER BY promoted DESC, CASE WHEN status = 'trained' THEN 1 ELSE 0 END DESC,"
        " created_seq DESC LIMIT 1",
        (model_id,),
    )
    if best is None or not (best[1] or best[2] == "trained"):
        raise Unprocessable(f"Model '{model_id}' has no trained version yet")
    return str(best[0])


def _row_counts(tx: Tx, model_id: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for version_id, split, rows in tx.rows(
        "SELECT version_id, dataset_split, row_count FROM perf_series WHERE model_id = ?",
        (model_id,),
    ):
        counts.setdefault(version_id, {})[split] = int(rows)
    return counts


def _version(row: tuple[Any, ...], counts: dict[str, int]) -> VersionRow:
    model_id, version_id, status, description, params, promoted, created, updated, at = row
    return VersionRow(
        model_id,
        version_id,
        status,
        description,
        loads(params),
        bool(promoted),
        created,
        updated,
        at,
        {split: counts.get(split, 0) for split in SPLITS},
    )
