"""v3 publishing: rows mapped through the model's spec into v1's prediction and label batches."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import msgspec
from litestar import Controller, patch, post

from perfledger.api.auth import Principal, requires
from perfledger.api.ids import parse_id
from perfledger.api.services.publishing import Publishing, Source
from perfledger.api.v3.envelope import JobRef, Normal, normal
from perfledger.domain.errors import InvalidInput
from perfledger.domain.vocabulary import DatasetSplit

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
    guards = [requires("dataset:write")]

    @post("/", operation_id="v3PublishEvents", status_code=202)
    async def publish_events(
        self, data: PublishRequest, principal: Principal, publishing: Publishing
    ) -> Normal[EventIds | PublishJob]:
        return normal(await _publish(publishing, principal, data, update=False))

    @patch("/", operation_id="v3UpdateEvents", status_code=202)
    async def update_events(
        self, data: PublishRequest, principal: Principal, publishing: Publishing
    ) -> Normal[EventIds | PublishJob]:
        """Late labels (rows with the target alone) and corrected outputs, by event id."""
        return normal(await _publish(publishing, principal, data, update=True))


async def _publish(publishing: Publishing, principal: Principal, data: PublishRequest,
                   update: bool) -> EventIds | PublishJob:
    if isinstance(data.source, EventsSource):
        source = Source(events=data.source.events)
    else:
        source = Source(file_id=parse_id(data.source.file_id, "File"))
    published = await publishing.publish(
        principal.caller, parse_id(data.model_id, "Model"), split_of(data), source, update)
    if isinstance(published, list):
        return EventIds(published)
    return PublishJob(JobRef(str(published.id), published.name))


def split_of(data: PublishRequest) -> DatasetSplit:
    if data.env_type is EnvType.PRODUCTION:
        return DatasetSplit.PRODUCTION
    if data.env_name not in PRE_PRODUCTION_SPLITS:
        raise InvalidInput(
            f"PRE_PRODUCTION rows go to a dataset named one of {list(PRE_PRODUCTION_SPLITS)},"
            f" not {data.env_name!r}"
        )
    return DatasetSplit(data.env_name)
