"""The files inside an uploaded model artifact (a tar, gzipped or not, or a zip archive).

An archive is a small file that may claim to hold a great deal: a bzip2 stream of zeros that
unpacks to gigabytes, a header naming a file with a 512 MiB name, two hundred thousand
members. Listing one reads only what the caps allow: members, name and header sizes, and
the bytes a gzip stream may unpack to (a ratio of its size, and an absolute bound).
"""

from __future__ import annotations

import gzip
import struct
import tarfile
import zipfile
from datetime import UTC, datetime
from typing import IO, Any, cast

from perfledger.domain.errors import InvalidInput
from perfledger.domain.timestamps import format_timestamp

MAX_ARCHIVE_MEMBERS = 2_000
MAX_MEMBER_NAME_BYTES = 1_024
MAX_HEADER_BYTES = 65_536  # a pax or GNU long-name header
MAX_UNPACK_RATIO = 100  # a gzipped tar may unpack to this many times its size...
FREE_UNPACKED_BYTES = 32 << 20  # ...or this much whatever its size (small files pack well)...
MAX_UNPACKED_BYTES = 1 << 30  # ...and never past this
KINDS = "a .tar, .tar.gz or .zip archive"
_EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
             tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
_OTHER_COMPRESSIONS = {b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"\x28\xb5\x2f\xfd": "zstd",
                       b"\x5d\x00\x00": "lzma"}


class ArchiveRefused(InvalidInput):
    """An archive past a cap, or of a kind that is not listed."""


def archive_members(source: IO[bytes]) -> list[dict[str, Any]]:
    """`[{name, size, modified}]` for each regular file, in archive order; not an archive or
    past a cap: 400."""
    size = source.seek(0, 2)
    source.seek(0)
    head = source.read(262)
    source.seek(0)
    for magic, kind in _OTHER_COMPRESSIONS.items():
        if head.startswith(magic):
            raise ArchiveRefused(f"The artifact is compressed with {kind}; send {KINDS}")
    try:
        if head.startswith(b"PK"):
            return _zip_members(source, size)
        if head.startswith(b"\x1f\x8b"):
            budget = min(MAX_UNPACKED_BYTES, max(FREE_UNPACKED_BYTES, MAX_UNPACK_RATIO * size))
            with gzip.GzipFile(fileobj=source) as unpacked:
                return _tar_members(_Capped(unpacked, budget))
        return _tar_members(_Capped(source, size))
    except ArchiveRefused:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError,
            struct.error) as error:
        raise InvalidInput(f"The artifact is not {KINDS}: {error}") from None


def _zip_members(source: IO[bytes], size: int) -> list[dict[str, Any]]:
    _check_count(_zip_entries(source, size))
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        _check_count(len(members))
        return [
            _member(info.filename, info.file_size, datetime(*info.date_time, tzinfo=UTC))
            for info in members if not info.is_dir()
        ]


def _zip_entries(source: IO[bytes], size: int) -> int:
    """The entry count the end of the central directory declares, read before the directory
    itself (whose entries would all be loaded to count them)."""
    tail_start = max(0, size - (65_535 + 22))
    source.seek(tail_start)
    tail = source.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise InvalidInput(f"The artifact is not {KINDS}: no zip directory")
    entries = int(struct.unpack("<H", tail[at + 10: at + 12])[0])
    locator = tail.rfind(b"PK\x06\x07", 0, at)
    if entries == 0xFFFF and locator >= 0:  # ZIP64: the count is in its own record
        record_at = int(struct.unpack("<Q", tail[locator + 8: locator + 16])[0])
        source.seek(record_at)
        record = source.read(56)
        if record[:4] == b"PK\x06\x06":
            entries = int(struct.unpack("<Q", record[32:40])[0])
    return entries


def _tar_members(source: _Capped) -> list[dict[str, Any]]:
    members = []
    stream = cast(IO[bytes], source)  # tarfile's stream mode only calls read()
    with tarfile.open(fileobj=stream, mode="r|", tarinfo=_CappedTarInfo) as archive:
        for count, member in enumerate(archive, start=1):
            _check_count(count)
            if member.isfile():
                name = member.name.removeprefix("./")
                members.append(_member(name, member.size,
                                       datetime.fromtimestamp(member.mtime, UTC)))
    return members


def _member(name: str, size: int, modified: datetime) -> dict[str, Any]:
    if len(name.encode("utf-8", "surrogateescape")) > MAX_MEMBER_NAME_BYTES:
        raise ArchiveRefused(
            f"The artifact holds a file whose name is longer than {MAX_MEMBER_NAME_BYTES}"
            f" bytes ({name[:80]}...)", {"limit_bytes": MAX_MEMBER_NAME_BYTES})
    return {"name": name, "size": size, "modified": format_timestamp(modified)}


def _check_count(count: int) -> None:
    if count > MAX_ARCHIVE_MEMBERS:
        raise ArchiveRefused(
            f"The artifact holds more than {MAX_ARCHIVE_MEMBERS} entries; pack fewer files",
            {"limit": MAX_ARCHIVE_MEMBERS})


class _Capped:
    """A reader that refuses to hand out more than `budget` bytes in all."""

    def __init__(self, source: IO[bytes] | gzip.GzipFile, budget: int) -> None:
        self._source = source
        self._left = budget

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self._left:
            size = self._left + 1
        data = self._source.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise ArchiveRefused(
                f"The artifact unpacks to more than {MAX_UNPACK_RATIO} times its size (beyond"
                f" {FREE_UNPACKED_BYTES >> 20} MiB), or past {MAX_UNPACKED_BYTES >> 20} MiB; it is"
                " refused before it is unpacked further")
        return data


class _CappedTarInfo(tarfile.TarInfo):
    """Refuses an extended header (a long name, pax records) larger than MAX_HEADER_BYTES
    before tarfile reads it into memory."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _EXTENDED and self.size > MAX_HEADER_BYTES:
            raise ArchiveRefused(
                f"The artifact has a {self.size}-byte extended header (a long name or pax"
                f" records); at most {MAX_HEADER_BYTES} bytes are read",
                {"limit_bytes": MAX_HEADER_BYTES})
        return super()._proc_member(tarfile_)  # type: ignore[misc,no-any-return]
