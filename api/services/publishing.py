"""v3 publishing: rows mapped through the model's spec into v1's prediction and label batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import anyio.to_thread

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.services.reading import ReadSide
from perfledger.api.uploads.blobs import BlobStore
from perfledger.api.uploads.tables import read_table, records_of
from perfledger.domain.application import PerfLedger
from perfledger.domain.catalog.operations import Operation
from perfledger.domain.catalog.publishing import MappedRows, RowMapper
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.validation import MAX_RECORDS_PER_BATCH
from perfledger.domain.values import Caller
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.queries import missing_row_ids

MAX_PUBLISHED_ROWS = 100_000  # of a file: its rows are mapped and checked in memory at once
SHOWN_IDS = 20
MAX_LISTED_IDS = 1000


@dataclass(frozen=True)
class Source:
    """Rows sent in the call (`events`), or the id of an uploaded file."""

    events: list[Any] | None = None
    file_id: UUID | None = None


@dataclass(frozen=True)
class Prepared:
    """A publish checked and mapped, not recorded yet."""

    model_id: UUID
    version_id: str
    split: DatasetSplit
    chunks: list[tuple[str, MappedRows]]
    job: tuple[str, dict[str, Any]] | None


class Publishing:
    def __init__(self, ledger: PerfLedger, read: ReadSide, heavy: HeavyWork,
                 blobs: BlobStore) -> None:
        self._ledger = ledger
        self._read = read
        self._heavy = heavy
        self._blobs = blobs

    async def publish(self, caller: Caller, model_id: UUID, split: DatasetSplit, source: Source,
                      update: bool) -> list[str] | Operation:
        """Records the rows, then waits (bounded) until the v1 summaries count them. Answers
        the rows' event ids, or the finished operation of a file."""
        # A file's rows are read and mapped on the heavy-work pool; a call's events are few.
        arguments = (caller, model_id, split, source, update)
        prepared = await (anyio.to_thread.run_sync(self._prepare, *arguments)
                          if source.file_id is None
                          else self._heavy.run(caller.organization_id, self._prepare, *arguments))
        if update:
            await self._check_rows_exist(prepared)
        published = await anyio.to_thread.run_sync(
            lambda: self._ledger.publish(caller, prepared.model_id, prepared.split,
                                         prepared.chunks, update, prepared.job,
                                         prepared.version_id))
        await self._read.show(["performance"], published.position)
        if published.job is None:
            return [row_id for _, mapped in prepared.chunks for row_id in mapped.event_ids]
        return published.job

    def _prepare(self, caller: Caller, model_id: UUID, split: DatasetSplit, source: Source,
                 update: bool) -> Prepared:
        model, version = self._ledger.publishing_model(caller, model_id)
        mapper = RowMapper(model)
        if source.file_id is None:
            mapped = mapper.map(source.events or [], update)
            return Prepared(model_id, version, split, [("events", mapped)], None)
        stored = self._ledger.get_file(caller, source.file_id)
        frame = read_table(self._blobs.existing(stored.digest), stored.file_type, False)
        if len(frame) > MAX_PUBLISHED_ROWS:
            raise InvalidInput(
                f"File '{stored.filename}' has {len(frame)} rows; a publish takes at most"
                f" {MAX_PUBLISHED_ROWS}. Split it into smaller files",
                {"limit": MAX_PUBLISHED_ROWS})
        rows = records_of(frame[[name for name in frame.columns if name in mapper.columns]])
        if not rows:
            raise InvalidInput(f"File '{stored.filename}' has no rows")
        chunks: list[tuple[str, MappedRows]] = []
        for start in range(0, len(rows), MAX_RECORDS_PER_BATCH):
            chunk = rows[start : start + MAX_RECORDS_PER_BATCH]
            chunks.append((f"file-{stored.id}-{start}", mapper.map(chunk, update, start)))
        verb = "Update" if update else "Publish"
        info = {"model_id": str(model_id), "file_id": str(stored.id), "dataset_split": str(split)}
        return Prepared(model_id, version, split, chunks,
                        (f"{verb} {stored.filename} to {split}", info))

    async def _check_rows_exist(self, prepared: Prepared) -> None:
        """An update changes published rows only: an event id the series does not hold is a 404.

        Judged once the performance read model has caught up with everything recorded before
        the update (bounded: 503 when it cannot), so a row published just before counts.
        """
        await self._read.catch_up(["performance"])
        row_ids = [row_id for _, mapped in prepared.chunks for row_id in mapped.event_ids]
        missing = await anyio.to_thread.run_sync(
            missing_row_ids, self._read.database, str(prepared.model_id), prepared.version_id,
            str(prepared.split), row_ids)
        if missing:
            shown = ", ".join(repr(row_id) for row_id in missing[:SHOWN_IDS])
            more = f" and {len(missing) - SHOWN_IDS} more" if len(missing) > SHOWN_IDS else ""
            raise NotFound(
                f"An update changes published rows only; no row of version"
                f" '{prepared.version_id}' in '{prepared.split}' has the event id {shown}{more}",
                {"unknown_event_ids": missing[:MAX_LISTED_IDS]},
            )
