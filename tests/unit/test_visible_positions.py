"""In-memory published positions: they only grow within a generation; a swap replaces them."""

from __future__ import annotations

from pathlib import Path

from perfledger.projections.database import SQLiteDatabase
from perfledger.projections.positions import VisiblePositions


def test_positions_only_grow_within_a_generation_and_follow_a_swap(tmp_path: Path) -> None:
    positions = VisiblePositions(SQLiteDatabase(tmp_path / "db.sqlite3"))

    positions.shown("registry", 1, 40)
    positions.shown("registry", 1, 30)  # an older reading arriving late
    positions.shown("performance", 1, 35)
    assert positions.vector(["registry", "performance"]) == (1, 40, 1, 35)
    assert positions.lowest(["registry", "performance"]) == 35

    positions.shown("registry", 2, 12)  # a rebuilt generation swapped in
    assert positions.vector(["registry"]) == (2, 12)  # a cached answer of gen 1 is stale
    assert positions.lowest(["unknown"]) == 0
