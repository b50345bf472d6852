"""Compares two generations of a projection's tables, row for row."""

from __future__ import annotations

from perfledger.projections.database import Tx
from perfledger.projections.projection import Tables


def compare_tables(tx: Tx, live: Tables, shadow: Tables, logical: list[str]) -> list[str]:
    """Names each table whose rows differ, with how many rows each side has alone."""
    drift = []
    for name in logical:
        a, b = live.names[name], shadow.names[name]
        only_live = tx.value(f"SELECT COUNT(*) FROM (SELECT * FROM {a} EXCEPT SELECT * FROM {b}) d")
        only_shadow = tx.value(
            f"SELECT COUNT(*) FROM (SELECT * FROM {b} EXCEPT SELECT * FROM {a}) d"
        )
        if only_live or only_shadow:
            drift.append(f"{name}: {only_live} row(s) only in live, {only_shadow} only in rebuild")
    return drift
