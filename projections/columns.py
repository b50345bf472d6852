"""Reads query results straight into numpy columns, a chunk at a time."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from perfledger.projections.database import Tx

FloatArray = npt.NDArray[np.float64]


def read_columns(
    tx: Tx, sql: str, params: Sequence[Any], count: int, dtypes: Sequence[type]
) -> list[npt.NDArray[Any]]:
    """Fills one preallocated array per selected column (None becomes NaN in floats)."""
    columns, _ = read_columns_and_vectors(tx, sql, params, count, dtypes, None)
    return columns


def read_packed_floats(tx: Tx, expressions: Sequence[str], source: str,
                       params: Sequence[Any]) -> list[FloatArray]:
    """PostgreSQL: each expression over the rows of `source` (a FROM ... WHERE clause) as one
    float64 array, packed by the server into one byte string per column (NULL as NaN), so
    no row becomes a Python object. Every column sees the rows in the same order."""
    packed = ", ".join(f"string_agg(float8send(COALESCE(({expression})::float8, 'NaN')),"
                       " ''::bytea)" for expression in expressions)
    row = tx.binary_row(f"SELECT {packed}{source}", params)
    return [np.empty(0) if value is None else np.frombuffer(value, dtype=">f8").astype(np.float64)
            for value in (row or [None] * len(expressions))]


def read_packed_floats_in_two(tx: Tx, expressions: Sequence[str],
                              parts: tuple[tuple[str, Sequence[Any]], tuple[str, Sequence[Any]]]
                              ) -> list[FloatArray]:
    """As read_packed_floats over two sources, the first part's rows then the second's: on a
    spare connection the second part runs at the same time (the server works on both on
    two cores), else after the first."""
    (first, first_params), (second, second_params) = parts
    with tx.spare() as spare:
        if spare is None:
            halves = [read_packed_floats(tx, expressions, first, first_params),
                      read_packed_floats(tx, expressions, second, second_params)]
        else:
            # leaving the executor waits for the second part, so the spare connection goes
            # back only when it is done, even if the first part failed
            with ThreadPoolExecutor(max_workers=1) as beside:
                second_half = beside.submit(read_packed_floats, spare, expressions, second,
                                            second_params)
                first_half = read_packed_floats(tx, expressions, first, first_params)
            halves = [first_half, second_half.result()]
    return [np.concatenate(columns) for columns in zip(*halves, strict=True)]


def read_columns_and_vectors(
    tx: Tx,
    sql: str,
    params: Sequence[Any],
    count: int,
    dtypes: Sequence[type],
    width: int | None,
) -> tuple[list[npt.NDArray[Any]], FloatArray | None]:
    """As read_columns, in one pass; with `width`, the last column holds float64 vectors.
    `count` sizes the arrays; they grow if more rows come.

    Vectors are stored as blobs; shorter ones predate later labels (padded with 0). Rows
    without a vector are NaN throughout; the matrix is None when no row has one.
    """
    columns: list[npt.NDArray[Any]] = [np.empty(count, dtype=dtype) for dtype in dtypes]
    matrix = None if width is None else np.full((count, width), np.nan)
    filled, seen = 0, False
    for chunk in tx.stream(sql, params):
        end = filled + len(chunk)
        if end > len(columns[0]):
            capacity = max(end, 2 * len(columns[0]))
            columns = [np.resize(column, capacity) for column in columns]
            if matrix is not None:
                grown = np.full((capacity, matrix.shape[1]), np.nan)
                grown[:filled] = matrix[:filled]
                matrix = grown
        values = list(zip(*chunk, strict=True))
        for column, column_values in zip(columns, values, strict=False):
            column[filled:end] = np.array(column_values, dtype=column.dtype)
        if matrix is not None and width is not None:
            seen = fill_vectors(matrix[filled:end], values[-1], width) or seen
        filled = end
    vectors = matrix[:filled] if matrix is not None and seen else None
    return [column[:filled] for column in columns], vectors


def vectors_of(blobs: Sequence[bytes | None], width: int) -> FloatArray | None:
    """A matrix of stored vectors (NaN rows where absent), or None when no row has one."""
    matrix = np.full((len(blobs), width), np.nan)
    return matrix if fill_vectors(matrix, blobs, width) else None


def fill_vectors(block: FloatArray, blobs: Sequence[bytes | None], width: int) -> bool:
    """Copies a chunk's vectors into `block`; True when any row had one."""
    if all(blob is not None and len(blob) == width * 8 for blob in blobs):
        block[:] = np.frombuffer(b"".join(blobs), dtype=np.float64).reshape(-1, width)  # type: ignore[arg-type]
        return True
    seen = False
    for i, blob in enumerate(blobs):
        if blob is not None:
            vector = np.frombuffer(blob, dtype=np.float64)
            block[i, : vector.size] = vector
            block[i, vector.size :] = 0.0
            seen = True
    return seen
