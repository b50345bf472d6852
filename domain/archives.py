"""The files inside an uploaded model artifact (a tar, gzipped or not, or a zip archive)."""

from __future__ import annotations

import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.errors import InvalidInput
from domain.timestamps import format_timestamp


def archive_members(path: Path) -> list[dict[str, Any]]:
    """`[{name, size, modified}]` for each regular file, in archive order; not an archive: 400."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [
                {"name": info.filename, "size": info.file_size,
                 "modified": format_timestamp(datetime(*info.date_time, tzinfo=UTC))}
                for info in archive.infolist() if not info.is_dir()
            ]
    try:
        with tarfile.open(path) as archive:
            return [
                {"name": member.name.removeprefix("./"), "size": member.size,
                 "modified": format_timestamp(datetime.fromtimestamp(member.mtime, UTC))}
                for member in archive.getmembers() if member.isfile()
            ]
    except (tarfile.TarError, OSError, EOFError) as error:
        raise InvalidInput(f"The artifact is not a tar or zip archive: {error}") from None
