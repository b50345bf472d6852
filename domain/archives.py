"""The files inside an uploaded model artifact (a tar, gzipped or not, or a zip archive)."""

from __future__ import annotations

import tarfile
import zipfile
from datetime import UTC, datetime
from typing import IO, Any

from domain.errors import InvalidInput
from domain.timestamps import format_timestamp


def archive_members(source: IO[bytes]) -> list[dict[str, Any]]:
    """`[{name, size, modified}]` for each regular file, in archive order; not an archive: 400."""
    try:
        if zipfile.is_zipfile(source):
            source.seek(0)
            with zipfile.ZipFile(source) as archive:
                return [
                    {"name": info.filename, "size": info.file_size,
                     "modified": format_timestamp(datetime(*info.date_time, tzinfo=UTC))}
                    for info in archive.infolist() if not info.is_dir()
                ]
        source.seek(0)
        with tarfile.open(fileobj=source) as archive:
            return [
                {"name": member.name.removeprefix("./"), "size": member.size,
                 "modified": format_timestamp(datetime.fromtimestamp(member.mtime, UTC))}
                for member in archive.getmembers() if member.isfile()
            ]
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise InvalidInput(f"The artifact is not a tar or zip archive: {error}") from None
