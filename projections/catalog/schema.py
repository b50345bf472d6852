"""Tables of the catalog projection, with the indexes the v3 listing filters and orders by."""

from __future__ import annotations

from projections.database import Database
from projections.projection import Tables

TABLES = ("catalog_projects", "catalog_models")

# The columns a v3 filter, search or ordering may name, and the column each reads.
MODEL_FIELDS = {
    "id": "model_id",
    "name": "name",
    "version": "version",
    "project_id": "project_id",
    "task": "task",
    "status": "status",
    "input_type": "input_type",
    "description": "description",
    "algorithm": "algorithm",
    "framework": "framework",
    "artifact_status": "artifact_status",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
PROJECT_FIELDS = {
    "id": "project_id",
    "name": "name",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def catalog_schema(database: Database, t: Tables) -> list[str]:
    models = t.catalog_models
    return [
        f"CREATE TABLE {t.catalog_projects} ("
        " project_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL,"
        " created_seq BIGINT NOT NULL)",
        f"CREATE INDEX {t.catalog_projects}_by_name ON {t.catalog_projects}"
        " (organization_id, name)",
        # `listed` is 1 for a model onboarded through v3 and not deleted: the only rows listed.
        f"CREATE TABLE {models} ("
        " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, project_id TEXT NOT NULL,"
        " name TEXT NOT NULL, version TEXT, status TEXT, input_type TEXT, task TEXT NOT NULL,"
        " description TEXT, algorithm TEXT, framework TEXT, artifact_status TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL,"
        " updated_by TEXT NOT NULL, created_seq BIGINT NOT NULL, listed INTEGER NOT NULL,"
        " is_latest INTEGER NOT NULL, document TEXT)",
        f"CREATE INDEX {models}_by_name ON {models}"
        " (organization_id, project_id, name, version) WHERE listed = 1",
        f"CREATE INDEX {models}_by_created ON {models}"
        " (organization_id, created_at, created_seq) WHERE listed = 1",
        f"CREATE INDEX {models}_by_updated ON {models}"
        " (organization_id, updated_at) WHERE listed = 1",
        f"CREATE INDEX {models}_by_org_name ON {models}"
        " (organization_id, name, version) WHERE listed = 1",
        f"CREATE INDEX {models}_latest ON {models}"
        " (organization_id, created_at, created_seq) WHERE listed = 1 AND is_latest = 1",
        f"CREATE INDEX {models}_family ON {models} (project_id, name, created_seq)",
    ]
