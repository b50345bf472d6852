"""The engine's own tables: each projection's generations and positions, and what it set aside."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from perfledger.projections.database import Database, Tx
from perfledger.projections.projection import Projection, Tables
from perfledger.projections.quarantine import QUARANTINE_SCHEMA, quarantine_counts

STATE_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS projection_state ("
    " name TEXT NOT NULL, generation INTEGER NOT NULL,"
    " position BIGINT NOT NULL, visible BIGINT NOT NULL,"
    " PRIMARY KEY (name, generation))",
    "CREATE TABLE IF NOT EXISTS projection_live ("
    " name TEXT PRIMARY KEY, generation INTEGER NOT NULL)",
    # A digest of the DDL and the topics each live projection was built with: a release that
    # changes either rebuilds it at start.
    "CREATE TABLE IF NOT EXISTS projection_schema ("
    " name TEXT PRIMARY KEY, digest TEXT NOT NULL)",
    QUARANTINE_SCHEMA,
]


@dataclass(frozen=True)
class ProjectionStatus:
    """Where a live projection stands: applied, visible, behind the head, set aside."""

    name: str
    generation: int
    position: int
    visible: int
    lag: int
    quarantined: int


def create_state_tables(tx: Tx) -> None:
    rename_published_column(tx)
    for statement in STATE_SCHEMA:
        tx.execute(statement)


def schema_digest(database: Database, projection: Projection) -> str:
    """Changes whenever the projection's DDL, the events it reads, or what it computes
    from them do: any way, its live tables are not what this release would build."""
    statements = projection.schema(database, Tables(projection.tables, 0))
    defined = [*statements, *sorted(projection.topics)]
    if projection.computed_by:
        defined.append(projection.computed_by)
    return hashlib.sha256("\n".join(defined).encode()).hexdigest()[:16]


def live_generation_of(tx: Tx, name: str, lock: str = "") -> int | None:
    """The generation of the projection's tables that queries read (None before its first),
    with `lock` (" FOR SHARE", " FOR UPDATE") where the caller needs one."""
    found = tx.value(f"SELECT generation FROM projection_live WHERE name = ?{lock}", (name,))
    return None if found is None else int(found)


def built_digest(tx: Tx, name: str) -> str | None:
    found = tx.value("SELECT digest FROM projection_schema WHERE name = ?", (name,))
    return None if found is None else str(found)


def record_digest(tx: Tx, name: str, digest: str) -> None:
    tx.execute("INSERT INTO projection_schema (name, digest) VALUES (?, ?)"
               " ON CONFLICT (name) DO UPDATE SET digest = excluded.digest", (name, digest))


def rename_published_column(tx: Tx) -> None:
    """A database made when the visible position was called `published` keeps working."""
    if tx.dialect == "sqlite":
        columns = {row[1] for row in tx.rows("PRAGMA table_info(projection_state)")}
    else:
        columns = {row[0] for row in tx.rows(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'projection_state' AND table_schema = current_schema()")}
    if "published" in columns:
        tx.execute("ALTER TABLE projection_state RENAME COLUMN published TO visible")


def live_status(database: Database, names: Sequence[str], head: int) -> list[ProjectionStatus]:
    with database.read() as tx:
        rows = tx.rows(
            "SELECT s.name, s.generation, s.position, s.visible FROM projection_state s"
            " JOIN projection_live l ON s.name = l.name AND s.generation = l.generation"
        )
    quarantined = quarantine_counts(database)
    found = {str(name): (int(g), int(p), int(v)) for name, g, p, v in rows}
    return [
        ProjectionStatus(name, *found[name], max(0, head - found[name][2]),
                         quarantined.get(name, 0))
        for name in names if name in found
    ]
