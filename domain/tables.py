"""Reads uploaded CSV and Parquet files into DataFrames, and tells the kinds of upload apart."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInput

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


def read_table(path: Path, file_type: str, as_text: bool) -> pd.DataFrame:
    """The file's rows; `as_text` reads every value as a string (None where missing)."""
    if file_type not in TABULAR:
        raise InvalidInput(f"A {file_type.lower()} file holds no rows; upload CSV or Parquet")
    # Loaded on the first read of a table, not at start: with pyarrow, 0.5 s and 95 MB.
    import pandas as pd
    import pyarrow as pa

    try:
        if file_type == CSV:
            frame = pd.read_csv(path, dtype=str if as_text else None, keep_default_na=True)
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pa.ArrowException, pd.errors.ParserError) as error:
        raise InvalidInput(f"The {file_type} file cannot be read: {error}") from None
    frame.columns = [str(column) for column in frame.columns]
    if as_text:
        frame = frame.astype(object).where(frame.notna(), None)
        frame = frame.map(lambda value: None if value is None else str(value))
    return frame


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
