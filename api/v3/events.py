"""v3 publishing: rows mapped through the model's spec into v1's prediction and label batches."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, patch, post

from api.auth import Principal, requires
from api.bootstrap import Container
from api.v3.consistency import settle
from api.v3.envelope import JobRef, Normal, normal
from api.v3.files import blob_store
from api.v3.ids import parse_id
from domain.errors import InvalidInput
from domain.publishing import MappedRows, RowMapper
from domain.tables import read_table, records_of
from domain.validation import MAX_RECORDS_PER_BATCH
from domain.vocabulary import DatasetSplit

MAX_EVENTS_PER_CALL = 1000
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


async def publish_settled(
    container: Container, principal: Principal, data: PublishRequest, update: bool
) -> EventIds | PublishJob:
    """Publishes, then waits (bounded) until the v1 summaries count the rows."""
    answer, position = await anyio.to_thread.run_sync(publish, container, principal, data, update)
    await settle(container, position, ("performance",))
    return answer


def publish(
    container: Container, principal: Principal, data: PublishRequest, update: bool
) -> tuple[EventIds | PublishJob, int | None]:
    caller, ledger = principal.caller, container.ledger
    model_id = parse_id(data.model_id, "Model")
    split = split_of(data)
    model, _ = ledger.publishing_model(caller, model_id)
    mapper = RowMapper(model)
    if isinstance(data.source, EventsSource):
        mapped = mapper.map(data.source.events, update)
        published = ledger.publish(caller, model_id, split, [("events", mapped)], update)
        return EventIds(mapped.event_ids), published.position
    stored = ledger.get_file(caller, parse_id(data.source.file_id, "File"))
    frame = read_table(blob_store(container).existing(stored.digest), stored.file_type, False)
    rows = records_of(frame)
    if not rows:
        raise InvalidInput(f"File '{stored.filename}' has no rows")
    chunks: list[tuple[str, MappedRows]] = []
    for start in range(0, len(rows), MAX_RECORDS_PER_BATCH):
        chunk = rows[start : start + MAX_RECORDS_PER_BATCH]
        chunks.append((f"file-{stored.id}-{start}", mapper.map(chunk, update, start)))
    verb = "Update" if update else "Publish"
    info = {"model_id": str(model_id), "file_id": str(stored.id), "dataset_split": str(split)}
    published = ledger.publish(
        caller, model_id, split, chunks, update, (f"{verb} {stored.filename} to {split}", info)
    )
    assert published.job is not None
    return PublishJob(JobRef(str(published.job.id), published.job.name)), published.position


def split_of(data: PublishRequest) -> DatasetSplit:
    if data.env_type is EnvType.PRODUCTION:
        return DatasetSplit.PRODUCTION
    if data.env_name not in PRE_PRODUCTION_SPLITS:
        raise InvalidInput(
            f"PRE_PRODUCTION rows go to a dataset named one of {list(PRE_PRODUCTION_SPLITS)},"
            f" not {data.env_name!r}"
        )
    return DatasetSplit(data.env_name)
