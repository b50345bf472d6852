"""Uploaded bytes, stored once each under their SHA-256 in the data directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from perfledger.domain.errors import NotFound


class BlobStore:
    """Bytes under their SHA-256 in a directory: the same content is stored once, and a file
    is written to a temporary name and renamed, so a crash never leaves half a blob behind."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_of(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(handle, "wb") as sink:
                sink.write(content)
            os.replace(temporary, path)
        return digest

    def path_of(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def existing(self, digest: str) -> Path:
        path = self.path_of(digest)
        if not path.exists():
            raise NotFound(f"The content of file {digest} is missing from the data directory")
        return path
