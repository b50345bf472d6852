"""Query results read into numpy columns: sized by a hint, grown when more rows come."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perfledger.projections.columns import read_columns_and_vectors
from perfledger.projections.database import SQLiteDatabase


def test_columns_grow_past_the_count_they_were_sized_for(tmp_path: Path) -> None:
    database = SQLiteDatabase(tmp_path / "columns.db")
    try:
        with database.transaction() as tx:
            tx.execute("CREATE TABLE t (i INTEGER, x REAL, v BLOB)")
            tx.executemany("INSERT INTO t VALUES (?, ?, ?)", [
                (i, None if i == 3 else i / 2,
                 None if i % 2 else np.array([i, -i], dtype=np.float64).tobytes())
                for i in range(2500)])
        with database.read() as tx:
            (ids, xs), vectors = read_columns_and_vectors(
                tx, "SELECT i, x, v FROM t ORDER BY i", (), 2, (np.int64, np.float64), 2)
    finally:
        database.close()
    assert ids.tolist() == list(range(2500))
    assert np.isnan(xs[3]) and xs[2500 - 1] == (2500 - 1) / 2
    assert vectors is not None and vectors.shape == (2500, 2)
    assert vectors[10].tolist() == [10.0, -10.0] and np.isnan(vectors[11]).all()
