"""Uploaded files: the StoredFile aggregate (the bytes live in `api.uploads.blobs`)."""

from __future__ import annotations

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as


@stored_as("domain.files")
class StoredFile(Aggregate):
    """One upload: its name, kind and the digest of its content (the bytes are stored apart)."""

    class Uploaded(Aggregate.Created):
        organization_id: str
        filename: str
        file_type: str
        digest: str
        size: int

    @event(Uploaded)
    def __init__(self, organization_id: str, filename: str, file_type: str, digest: str,
                 size: int, actor: str = "") -> None:
        self.organization_id = organization_id
        self.filename = filename
        self.file_type = file_type
        self.digest = digest
        self.size = size
        self.created_by = actor
