"""Query plans on both engines: does a statement read the v3 models table through an index?"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from perfledger.projections.database import Database

MODELS_TABLE = "catalog_models"


def plan(database: Database, sql: str, params: Sequence[Any]) -> list[str]:
    """The engine's plan of `sql`, one line per step."""
    with database.read() as tx:
        if database.dialect == "sqlite":
            return [str(row[-1]) for row in tx.rows(f"EXPLAIN QUERY PLAN {sql}", params)]
        return [str(row[0]) for row in tx.rows(f"EXPLAIN {sql}", params)]


def full_scans(lines: list[str], dialect: str) -> list[str]:
    """Steps that read every row of the models table (alias `m`) without an index."""
    if dialect == "sqlite":
        return [line for line in lines
                if re.match(rf"SCAN (m|{MODELS_TABLE}\w*)\b", line) and "INDEX" not in line]
    return [line for line in lines if re.search(rf"Seq Scan on {MODELS_TABLE}\w*", line)]


def index_reads(lines: list[str], dialect: str) -> list[str]:
    """Steps that read the models table through one of its indexes."""
    if dialect == "sqlite":
        return [line for line in lines
                if re.match(rf"(SEARCH|SCAN) (m|{MODELS_TABLE}\w*)\b.*INDEX", line)]
    return [line for line in lines
            if re.search(rf"Index (Only )?Scan (Backward )?(using|on) {MODELS_TABLE}\w*", line)]
