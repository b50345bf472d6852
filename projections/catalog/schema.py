"""Tables of the catalog projection, with the indexes the v3 listing filters and orders by."""

from __future__ import annotations

import psycopg

from perfledger.projections.database import Database
from perfledger.projections.projection import Tables

TABLES = ("catalog_projects", "catalog_models", "catalog_documents")

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
        # `search_text` holds the searched fields lowercased, separated by \x1f.
        f"CREATE TABLE {models} ("
        " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, project_id TEXT NOT NULL,"
        " name TEXT NOT NULL, version TEXT, status TEXT, input_type TEXT, task TEXT NOT NULL,"
        " description TEXT, algorithm TEXT, framework TEXT, artifact_status TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL,"
        " updated_by TEXT NOT NULL, created_seq BIGINT NOT NULL, listed INTEGER NOT NULL,"
        " is_latest INTEGER NOT NULL, search_text TEXT NOT NULL)",
        # The whole entry (schema, spec, ...) lives apart, so scans of the listing stay narrow.
        f"CREATE TABLE {t.catalog_documents} (model_id TEXT PRIMARY KEY, document TEXT NOT NULL)",
        # Each index serves a filter and the default ordering at once, so a page reads 50
        # index entries in order instead of sorting every match.
        *(
            f"CREATE INDEX {models}_{suffix} ON {models} ({columns}) WHERE listed = 1{extra}"
            for suffix, columns, extra in (
                ("family", "organization_id, project_id, name, created_at, created_seq", ""),
                ("project", "organization_id, project_id, created_at, created_seq", ""),
                ("created", "organization_id, created_at, created_seq", ""),
                ("updated", "organization_id, updated_at", ""),
                ("name", "organization_id, name, version", ""),
                ("latest_project", "organization_id, project_id, created_at, created_seq",
                 " AND is_latest = 1"),
                ("latest", "organization_id, created_at, created_seq", " AND is_latest = 1"),
            )
        ),
        f"CREATE INDEX {models}_by_family ON {models} (project_id, name, created_seq)",
        *_trigram_index(database, models),
    ]


def _trigram_index(database: Database, models: str) -> list[str]:
    """On PostgreSQL with pg_trgm, a trigram index lets `search` skip the scan of every row.

    The extension is created in a transaction of its own, so that a server without it (or a
    role that may not create it) still installs, with searches that scan instead.
    """
    if database.dialect != "postgresql":
        return []
    try:
        with database.transaction() as tx:
            tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except psycopg.Error:
        return []
    return [
        f"CREATE INDEX {models}_search ON {models} USING gin (search_text gin_trgm_ops)"
        " WHERE listed = 1"
    ]
