"""Projects model and version events into the registry tables."""

from __future__ import annotations

from collections.abc import Sequence

from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.comparison import compare_tables
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.json import dumps
from perfledger.projections.projection import Tables
from perfledger.projections.topics import UnknownEvent, topics_of


class RegistryProjection:
    name = "registry"
    computed_by = ""
    tables = ("registry_models", "registry_versions")
    topics = topics_of(
        Model.Registered, Model.VersionCreated, Model.VersionStatusChanged, Model.VersionPromoted,
        Model.Deleted,
    )

    def schema(self, database: Database, t: Tables) -> list[str]:
        return [
            f"CREATE TABLE {t.registry_models} ("
            " model_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL,"
            " project_id TEXT NOT NULL, name TEXT NOT NULL, task TEXT NOT NULL,"
            " labels TEXT NOT NULL, positive_label TEXT, inputs TEXT NOT NULL,"
            " description TEXT NOT NULL, promoted_version_id TEXT,"
            " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT NOT NULL)",
            f"CREATE INDEX {t.registry_models}_by_org ON {t.registry_models}"
            " (organization_id, created_at)",
            f"CREATE TABLE {t.registry_versions} ("
            " model_id TEXT NOT NULL, version_id TEXT NOT NULL, status TEXT NOT NULL,"
            " description TEXT NOT NULL, params TEXT NOT NULL, promoted INTEGER NOT NULL,"
            " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, promoted_at TEXT,"
            " created_seq BIGINT NOT NULL, PRIMARY KEY (model_id, version_id))",
        ]

    def apply(self, tx: Tx, t: Tables, events: Sequence[Positioned]) -> None:
        for position, event in events:
            at = format_timestamp(event.timestamp)
            model_id = str(event.originator_id)
            match event:
                case Model.Registered():
                    add_model(tx, t, model_id, at, event)
                case Model.VersionCreated():
                    add_version(tx, t, model_id, at, position, event)
                case Model.VersionStatusChanged():
                    change_status(tx, t, model_id, at, event)
                case Model.VersionPromoted():
                    promote(tx, t, model_id, at, event)
                case Model.Deleted():
                    remove_model(tx, t, model_id)
                case _:
                    raise UnknownEvent(self.name, event)
            tx.execute(
                f"UPDATE {t.registry_models} SET updated_at = ? WHERE model_id = ?", (at, model_id)
            )

    def settle(self, tx: Tx, t: Tables) -> None:
        """Nothing is derived across pages."""

    def compare(self, tx: Tx, live: Tables, shadow: Tables) -> list[str]:
        return compare_tables(tx, live, shadow, list(self.tables))


def add_model(tx: Tx, t: Tables, model_id: str, at: str, e: Model.Registered) -> None:
    tx.execute(
        f"INSERT INTO {t.registry_models} (model_id, organization_id, project_id, name, task,"
        " labels, positive_label, inputs, description, created_at, updated_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            model_id,
            e.organization_id,
            e.project_id,
            e.name,
            e.task,
            dumps(e.labels),
            e.positive_label,
            dumps(e.inputs),
            e.description,
            at,
            at,
            e.actor,
        ),
    )


def add_version(tx: Tx, t: Tables, model_id: str, at: str, position: int,
                e: Model.VersionCreated) -> None:
    tx.execute(
        f"INSERT INTO {t.registry_versions} (model_id, version_id, status, description, params,"
        " promoted, created_at, updated_at, created_seq) VALUES (?, ?, 'draft', ?, ?, 0, ?, ?, ?)",
        (model_id, e.version_id, e.description, dumps(e.params), at, at, position),
    )


def change_status(tx: Tx, t: Tables, model_id: str, at: str, e: Model.VersionStatusChanged
                  ) -> None:
    tx.execute(
        f"UPDATE {t.registry_versions} SET status = ?, updated_at = ?"
        " WHERE model_id = ? AND version_id = ?",
        (e.status, at, model_id, e.version_id),
    )


def promote(tx: Tx, t: Tables, model_id: str, at: str, e: Model.VersionPromoted) -> None:
    tx.execute(
        f"UPDATE {t.registry_versions} SET promoted = 0, updated_at = ?"
        " WHERE model_id = ? AND promoted = 1",
        (at, model_id),
    )
    tx.execute(
        f"UPDATE {t.registry_versions} SET promoted = 1, promoted_at = ?, updated_at = ?"
        " WHERE model_id = ? AND version_id = ?",
        (at, at, model_id, e.version_id),
    )
    tx.execute(
        f"UPDATE {t.registry_models} SET promoted_version_id = ? WHERE model_id = ?",
        (e.version_id, model_id),
    )


def remove_model(tx: Tx, t: Tables, model_id: str) -> None:
    """A deleted model (v3's soft delete) leaves the read model; its events stay."""
    tx.execute(f"DELETE FROM {t.registry_versions} WHERE model_id = ?", (model_id,))
    tx.execute(f"DELETE FROM {t.registry_models} WHERE model_id = ?", (model_id,))

