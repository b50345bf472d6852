"""v3 publishing: rows mapped through the model's spec into v1's prediction and label batches."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, patch, post

from perfledger.api.auth import Principal, requires
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import published_at_least
from perfledger.api.ids import parse_id
from perfledger.api.storage.tables import read_table, records_of
from perfledger.api.v3.consistency import settle
from perfledger.api.v3.envelope import JobRef, Normal, normal
from perfledger.api.v3.files import blob_store
from perfledger.domain.catalog.publishing import MappedRows, RowMapper
from perfledger.domain.errors import InvalidInput, NotFound
from perfledger.domain.validation import MAX_RECORDS_PER_BATCH
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.queries import missing_row_ids

MAX_EVENTS_PER_CALL = 1000
MAX_PUBLISHED_ROWS = 100_000  # of a file: its rows are mapped and checked in memory at once
SHOWN_IDS = 20
MAX_LISTED_IDS = 1000
PRE_PRODUCTION_SPLITS = ("train", "validation", "test")


class EnvType(StrEnum):
    PRODUCTION = "PRODUCTION"
    PRE_PRODUCTION = "PRE_PRODUCTION"


class EventsSource(msgspec.Struct, tag_field="type", tag="EVENTS", forbid_unknown_fields=True):
    events: Annotated[list[Any], msgspec.Meta(min_length=1, max_length=MAX_EVENTS_PER_CALL)]


class FileSource(msgspec.Struct, tag_field="type", tag="FILE", forbid_unknown_fields=True):
    file_id: str


class PublishRequest(msgspec.Struct, forbid_unknown_fields=True):
    model_id: str
    source: EventsSource | FileSource
    env_type: EnvType = EnvType.PRODUCTION
    env_name: str | None = None


class EventIds(msgspec.Struct):
    event_ids: list[str]


class PublishJob(msgspec.Struct):
    job: JobRef


class EventsController(Controller):
    path = "/events"
    tags = ["v3 events"]

    @post("/", guards=[requires("dataset:write")], operation_id="v3PublishEvents",
          status_code=202)
    async def publish_events(
        self, data: PublishRequest, principal: Principal, container: Container
    ) -> Normal[EventIds | PublishJob]:
        return normal(await publish_settled(container, principal, data, update=False))

    @patch("/", guards=[requires("dataset:write")], operation_id="v3UpdateEvents",
           status_code=202)
    async def update_events(
        self, data: PublishRequest, principal: Principal, container: Container
    ) -> Normal[EventIds | PublishJob]:
        """Late labels (rows with the target alone) and corrected outputs, by event id."""
        return normal(await publish_settled(container, principal, data, update=True))


@dataclass(frozen=True)
class Prepared:
    """A publish checked and mapped, not recorded yet."""

    model_id: UUID
    version_id: str
    split: DatasetSplit
    chunks: list[tuple[str, MappedRows]]
    job: tuple[str, dict[str, Any]] | None


async def publish_settled(
    container: Container, principal: Principal, data: PublishRequest, update: bool
) -> EventIds | PublishJob:
    """Publishes, then waits (bounded) until the v1 summaries count the rows."""
    # A file's rows are read and mapped on the heavy-work pool; a call's events are few.
    run = container.heavy.run if isinstance(data.source, FileSource) else anyio.to_thread.run_sync
    prepared = await run(prepare, container, principal, data, update)
    if update:
        await check_rows_exist(container, prepared)
    published = await anyio.to_thread.run_sync(
        lambda: container.ledger.publish(
            principal.caller, prepared.model_id, prepared.split, prepared.chunks, update,
            prepared.job, prepared.version_id,
        )
    )
    await settle(container, published.position, ("performance",))
    if published.job is None:
        return EventIds([row_id for _, mapped in prepared.chunks for row_id in mapped.event_ids])
    return PublishJob(JobRef(str(published.job.id), published.job.name))


def prepare(
    container: Container, principal: Principal, data: PublishRequest, update: bool
) -> Prepared:
    caller, ledger = principal.caller, container.ledger
    model_id = parse_id(data.model_id, "Model")
    split = split_of(data)
    model, version = ledger.publishing_model(caller, model_id)
    mapper = RowMapper(model)
    if isinstance(data.source, EventsSource):
        mapped = mapper.map(data.source.events, update)
        return Prepared(model_id, version, split, [("events", mapped)], None)
    stored = ledger.get_file(caller, parse_id(data.source.file_id, "File"))
    frame = read_table(blob_store(container).existing(stored.digest), stored.file_type, False)
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


async def check_rows_exist(container: Container, prepared: Prepared) -> None:
    """An update changes published rows only: an event id the series does not hold is a 404.

    Judged once the performance read model has caught up with everything recorded before
    the update (bounded: 503 when it cannot), so a row published just before counts.
    """

    def head_after_waking() -> int:
        container.wake_catch_up()
        return container.engine.log.head()

    head = await anyio.to_thread.run_sync(head_after_waking)
    await published_at_least(container, ["performance"], head)
    row_ids = [row_id for _, mapped in prepared.chunks for row_id in mapped.event_ids]
    missing = await anyio.to_thread.run_sync(
        missing_row_ids, container.database, str(prepared.model_id), prepared.version_id,
        str(prepared.split), row_ids,
    )
    if missing:
        shown = ", ".join(repr(row_id) for row_id in missing[:SHOWN_IDS])
        more = f" and {len(missing) - SHOWN_IDS} more" if len(missing) > SHOWN_IDS else ""
        raise NotFound(
            f"An update changes published rows only; no row of version"
            f" '{prepared.version_id}' in '{prepared.split}' has the event id {shown}{more}",
            {"unknown_event_ids": missing[:MAX_LISTED_IDS]},
        )


def split_of(data: PublishRequest) -> DatasetSplit:
    if data.env_type is EnvType.PRODUCTION:
        return DatasetSplit.PRODUCTION
    if data.env_name not in PRE_PRODUCTION_SPLITS:
        raise InvalidInput(
            f"PRE_PRODUCTION rows go to a dataset named one of {list(PRE_PRODUCTION_SPLITS)},"
            f" not {data.env_name!r}"
        )
    return DatasetSplit(data.env_name)
