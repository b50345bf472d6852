"""Projects project and registry-entry events into the catalog tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perfledger.domain.catalog.project import Project
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.catalog.schema import TABLES, catalog_schema
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps, loads
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of

# Registry-entry fields that have a column of their own (the rest live in `document`).
ENTRY_COLUMNS = ("version", "status", "input_type", "description", "algorithm", "framework",
                 "artifact_status")
SEARCHED = ("version", "description", "algorithm", "framework")


class CatalogProjection:
    name = "catalog"
    computed_by = ""
    tables = TABLES
    topics = topics_of(
        Project.Created, Project.Deleted, Model.Registered, Model.Onboarded, Model.EntryUpdated,
        Model.Deleted, Model.ArtifactRecorded, Model.SurrogateRequested,
    )

    def schema(self, database: Database, t: Tables) -> list[str]:
        return catalog_schema(database, t)

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        for position, event in events:
            match event:
                case Project.Created():
                    add_project(tx, t, position, event)
                case Project.Deleted():
                    tx.execute(f"DELETE FROM {t.catalog_projects} WHERE project_id = ?",
                               (str(event.originator_id),))
                case Model.Registered():
                    add_model(tx, t, position, event)
                case Model.Onboarded():
                    _write_entry(tx, t, event, dict(event.entry), listed=True)
                    _refresh_latest(tx, t, str(event.originator_id))
                case Model.EntryUpdated():
                    _merge(tx, t, event, dict(event.changes))
                case Model.ArtifactRecorded():
                    _merge(tx, t, event, {"artifact_status": "user_uploaded",
                                          "artifact_files": event.files})
                case Model.SurrogateRequested():
                    surrogate = {"env_id": event.env_id, "deployment_params": event.params}
                    _merge(tx, t, event, {"artifact_status": "surrogate", "surrogate": surrogate})
                case Model.Deleted():
                    remove_model(tx, t, event)
                case _:
                    raise UnknownEvent(self.name, event)

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def add_project(tx: Tx, t: Tables, position: int, e: Project.Created) -> None:
    at = format_timestamp(e.timestamp)
    tx.execute(
        f"INSERT INTO {t.catalog_projects} (project_id, organization_id, name, created_at,"
        " updated_at, created_by, created_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (str(e.originator_id), e.organization_id, e.name, at, at, e.actor, position),
    )


def add_model(tx: Tx, t: Tables, position: int, e: Model.Registered) -> None:
    at = format_timestamp(e.timestamp)
    tx.execute(
        f"INSERT INTO {t.catalog_models} (model_id, organization_id, project_id, name, task,"
        " description, created_at, updated_at, created_by, updated_by, created_seq, listed,"
        " is_latest, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
        (str(e.originator_id), e.organization_id, e.project_id, e.name, e.task, e.description,
         at, at, e.actor, e.actor, position, e.name.lower()),
    )


def remove_model(tx: Tx, t: Tables, e: Model.Deleted) -> None:
    model_id = str(e.originator_id)
    family = tx.row(f"SELECT project_id, name FROM {t.catalog_models} WHERE model_id = ?",
                    (model_id,))
    tx.execute(f"DELETE FROM {t.catalog_models} WHERE model_id = ?", (model_id,))
    tx.execute(f"DELETE FROM {t.catalog_documents} WHERE model_id = ?", (model_id,))
    if family is not None:
        _refresh_family(tx, t, str(family[0]), str(family[1]))


def _merge(tx: Tx, t: Tables, e: Model.Event, changes: dict[str, Any]) -> None:
    model_id = str(e.originator_id)
    document = loads(tx.value(f"SELECT document FROM {t.catalog_documents} WHERE model_id = ?",
                              (model_id,)))
    _write_entry(tx, t, e, {**(document or {}), **changes}, listed=document is not None)


def _write_entry(tx: Tx, t: Tables, e: Model.Event, entry: dict[str, Any], listed: bool
                 ) -> None:
    model_id = str(e.originator_id)
    name = tx.value(f"SELECT name FROM {t.catalog_models} WHERE model_id = ?", (model_id,))
    searched = [str(name), *(str(entry.get(key) or "") for key in SEARCHED)]
    assignments = ", ".join(f"{column} = ?" for column in ENTRY_COLUMNS)
    tx.execute(
        f"UPDATE {t.catalog_models} SET {assignments}, listed = ?,"
        " search_text = ?, updated_at = ?, updated_by = ? WHERE model_id = ?",
        (*(entry.get(column) for column in ENTRY_COLUMNS), int(listed),
         "\x1f".join(searched).lower(), format_timestamp(e.timestamp), e.actor, model_id),
    )
    tx.execute(
        f"INSERT INTO {t.catalog_documents} (model_id, document) VALUES (?, ?)"
        " ON CONFLICT (model_id) DO UPDATE SET document = excluded.document",
        (model_id, dumps(entry)),
    )


def _refresh_latest(tx: Tx, t: Tables, model_id: str) -> None:
    family = tx.row(f"SELECT project_id, name FROM {t.catalog_models} WHERE model_id = ?",
                    (model_id,))
    assert family is not None, f"registry entry for unknown model {model_id}"
    _refresh_family(tx, t, str(family[0]), str(family[1]))


def _refresh_family(tx: Tx, t: Tables, project_id: str, name: str) -> None:
    """Marks the most recently created listed version of (project, name) as the latest."""
    latest = tx.value(
        f"SELECT model_id FROM {t.catalog_models} WHERE project_id = ? AND name = ?"
        " AND listed = 1 ORDER BY created_seq DESC LIMIT 1",
        (project_id, name),
    )
    # Only rows whose flag changes are written: fewer dead rows for PostgreSQL to vacuum.
    tx.execute(
        f"UPDATE {t.catalog_models} SET is_latest = 1 - is_latest WHERE project_id = ?"
        " AND name = ? AND is_latest = (CASE WHEN model_id = ? THEN 0 ELSE 1 END)",
        (project_id, name, latest),
    )

