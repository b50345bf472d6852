"""Reads of an organization's models, a page at a time, in the order they were registered."""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.projections.json import loads
from perfledger.projections.registry.queries import ModelRow

_COLUMNS = (
    "model_id, organization_id, project_id, name, task, labels, positive_label, inputs,"
    " description, promoted_version_id, created_at, updated_at, created_by"
)


def models_of_organization(db: Database, organization_id: str, limit: int, offset: int
                           ) -> tuple[list[ModelRow], int]:
    """A page of the organization's models (oldest first, as its index keeps them) and how
    many it has in all."""
    with db.read() as tx:
        total = int(tx.value("SELECT COUNT(*) FROM registry_models WHERE organization_id = ?",
                             (organization_id,)))
        rows = tx.rows(
            f"SELECT {_COLUMNS} FROM registry_models WHERE organization_id = ?"
            " ORDER BY created_at, model_id LIMIT ? OFFSET ?",
            (organization_id, limit, offset),
        )
    models = []
    for row in rows:
        values = list(row)
        values[5], values[7] = loads(values[5]), loads(values[7])
        models.append(ModelRow(*values))
    return models, total
