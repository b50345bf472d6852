"""Generations of a projection's tables: created, read through views, dropped."""

from __future__ import annotations

from perfledger.projections.database import Database, Tx
from perfledger.projections.projection import Projection, Tables
from perfledger.projections.quarantine import forget_generation


def create_generation(tx: Tx, database: Database, projection: Projection, generation: int) -> None:
    tables = Tables(projection.tables, generation)
    for statement in projection.schema(database, tables):
        tx.execute(statement)
    tx.execute(
        "INSERT INTO projection_state (name, generation, position, visible) VALUES (?, ?, 0, 0)",
        (projection.name, generation),
    )


def point_views(tx: Tx, projection: Projection, generation: int) -> None:
    """Points the plain view names that queries read at this generation's tables."""
    tables = Tables(projection.tables, generation)
    for logical, physical in tables.names.items():
        tx.execute(f"DROP VIEW IF EXISTS {logical}")
        tx.execute(f"CREATE VIEW {logical} AS SELECT * FROM {physical}")


def drop_generation(tx: Tx, projection: Projection, generation: int) -> None:
    for physical in Tables(projection.tables, generation).names.values():
        tx.execute(f"DROP TABLE IF EXISTS {physical}")
    tx.execute(
        "DELETE FROM projection_state WHERE name = ? AND generation = ?",
        (projection.name, generation),
    )
    forget_generation(tx, projection.name, generation)
