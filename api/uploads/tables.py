"""Reads uploaded CSV and Parquet files into DataFrames, and tells the kinds of upload apart."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfledger.domain.errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

CSV, PARQUET, ARCHIVE = "CSV", "PARQUET", "ARCHIVE"
TABULAR = (CSV, PARQUET)
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".zip")


def file_type_of(filename: str, head: bytes) -> str:
    """CSV, PARQUET or ARCHIVE, from the content's magic bytes, else from the name; else 400."""
    name = filename.lower()
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.startswith((b"\x1f\x8b", b"PK\x03\x04")) or head[257:262] == b"ustar":
        return ARCHIVE
    if name.endswith(".parquet"):
        return PARQUET
    if name.endswith(ARCHIVE_SUFFIXES):
        return ARCHIVE
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the head
            raise InvalidInput(
                f"'{filename}' is neither CSV (UTF-8 text), Parquet nor an archive"
            ) from None
    return CSV


MAX_TABLE_ROWS = 1_000_000
MAX_TABLE_COLUMNS = 2_000
MAX_TABLE_CELLS = 10_000_000
SAMPLE_SEED = 0


def read_table(
    path: Path, file_type: str, as_text: bool, sample: int | None = None
) -> pd.DataFrame:
    """The file's rows; `as_text` reads every value as a string (None where missing);
    `sample` keeps that many rows, drawn uniformly with a fixed seed (before the strings).

    Its shape is checked against the caps before its rows are read: Parquet declares it in
    its footer, a CSV's header gives its columns and at most the rows the caps allow are read.
    """
    if file_type not in TABULAR:
        raise InvalidInput(f"A {file_type.lower()} file holds no rows; upload CSV or Parquet")
    # Loaded on the first read of a table, not at start: with pyarrow, 0.5 s and 95 MB.
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if file_type == CSV:
            columns = _csv_columns(path)
            _check_shape(0, columns)
            most = min(MAX_TABLE_ROWS, MAX_TABLE_CELLS // max(columns, 1))
            frame = pd.read_csv(path, dtype=str if as_text else None, keep_default_na=True,
                                nrows=most + 1)
            _check_shape(len(frame), columns)
        else:
            footer = pq.ParquetFile(path).metadata
            _check_shape(footer.num_rows, footer.num_columns)
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pa.ArrowException, pd.errors.ParserError) as error:
        raise InvalidInput(f"The {file_type} file cannot be read: {error}") from None
    frame.columns = [str(column) for column in frame.columns]
    if sample is not None and len(frame) > sample:
        frame = frame.sample(n=sample, random_state=SAMPLE_SEED)
    return text_values(frame) if as_text else frame


def text_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as its text, None where missing, as fiddler-client sends its columns."""
    present = frame.notna()
    return frame.astype(str).astype(object).where(present, None)


def _csv_columns(path: Path) -> int:
    with path.open(newline="", encoding="utf-8", errors="replace") as source:
        header = next(csv.reader(source), [])
    return len(header)


def _check_shape(rows: int, columns: int) -> None:
    if columns > MAX_TABLE_COLUMNS:
        raise InvalidInput(f"The file has {columns} columns; at most {MAX_TABLE_COLUMNS} are read",
                           {"limit": MAX_TABLE_COLUMNS})
    most = min(MAX_TABLE_ROWS, MAX_TABLE_CELLS // max(columns, 1))
    if rows > most:
        raise InvalidInput(
            f"The file has more than {most} rows of {columns} columns; at most"
            f" {MAX_TABLE_ROWS} rows and {MAX_TABLE_CELLS} values are read. Split it",
            {"limit_rows": most, "limit_cells": MAX_TABLE_CELLS})


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (NaN and NaT become None)."""
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {key: _plain(value) for key, value in row.items()}
        for row in plain.to_dict(orient="records")
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # pandas' Timestamp too
        return value.isoformat()
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str | bytes) else value
