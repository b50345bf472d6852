"""Compares two generations of a projection's tables, row for row."""

from __future__ import annotations

from perfledger.projections.database import Tx
from perfledger.projections.projection import Tables


def compare_tables(tx: Tx, live: Tables, shadow: Tables, logical: list[str],
                   columns: dict[str, str] | None = None) -> list[str]:
    """Names each table whose rows differ, with how many rows each side has alone;
    `columns` names, for some tables, the columns compared (else all of them)."""
    drift = []
    for name in logical:
        a, b = live.names[name], shadow.names[name]
        select = f"SELECT {(columns or {}).get(name, '*')} FROM"
        only_live = tx.value(f"SELECT COUNT(*) FROM ({select} {a} EXCEPT {select} {b}) d")
        only_shadow = tx.value(f"SELECT COUNT(*) FROM ({select} {b} EXCEPT {select} {a}) d")
        if only_live or only_shadow:
            drift.append(f"{name}: {only_live} row(s) only in live, {only_shadow} only in rebuild")
    return drift
