"""Reads query results straight into numpy columns, a chunk at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from projections.database import Tx

FloatArray = npt.NDArray[np.float64]


def read_columns(
    tx: Tx, sql: str, params: Sequence[Any], count: int, dtypes: Sequence[type]
) -> list[npt.NDArray[Any]]:
    """Fills one preallocated array per selected column (None becomes NaN in floats)."""
    columns: list[npt.NDArray[Any]] = [np.empty(count, dtype=dtype) for dtype in dtypes]
    filled = 0
    for chunk in tx.stream(sql, params):
        end = filled + len(chunk)
        for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
            column[filled:end] = np.array(values, dtype=column.dtype)
        filled = end
    return [column[:filled] for column in columns]


def read_vectors(
    tx: Tx, sql: str, params: Sequence[Any], count: int, width: int
) -> FloatArray | None:
    """Stacks float64 vectors stored as blobs; shorter ones predate later labels (pad with 0).

    Rows without a vector are NaN throughout; None when no row has one.
    """
    matrix = np.full((count, width), np.nan)
    filled, seen = 0, False
    for chunk in tx.stream(sql, params):
        blobs = [row[0] for row in chunk]
        block = matrix[filled : filled + len(blobs)]
        if all(blob is not None and len(blob) == width * 8 for blob in blobs):
            block[:] = np.frombuffer(b"".join(blobs), dtype=np.float64).reshape(-1, width)
            seen = True
        else:
            for i, blob in enumerate(blobs):
                if blob is not None:
                    vector = np.frombuffer(blob, dtype=np.float64)
                    block[i, : vector.size] = vector
                    block[i, vector.size :] = 0.0
                    seen = True
        filled += len(blobs)
    return matrix[:filled] if seen else None
