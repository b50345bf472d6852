"""v1 performance over time, per slice, and champion against challenger."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from perfledger.api.auth import Principal, check_scopes
from perfledger.api.consistency import MinPosition, answer, cached_answer
from perfledger.api.hot_reads import question_of
from perfledger.api.ids import parse_id
from perfledger.api.services.answers import CachedAnswers
from perfledger.api.services.windows import READ_PROJECTIONS, Windows
from perfledger.api.tenant_positions import asked
from perfledger.api.v1.tag_filters import TAG_PREFIX, tag_filters
from perfledger.api.v1.times import query_micros, query_time
from perfledger.domain.timestamps import format_micros, format_whole_seconds
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.segments import SegmentQuery
from perfledger.projections.performance.timeseries import plan_window, window_moves_at
from perfledger.projections.performance.windows import check_order

READ_SCOPE = "model:read"
Timestamp = Annotated[
    str | None, Parameter(description="ISO 8601 timestamp or date (UTC when no offset is given)")
]


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


class LabelDelays(msgspec.Struct):
    p50: float
    p90: float
    max: float


class Point(msgspec.Struct):
    start: str
    end: str
    sample_count: int
    labeled_count: int
    label_coverage: float | None
    label_delay_seconds: LabelDelays | None
    metrics: dict[str, float | None] | None


class Timeseries(msgspec.Struct):
    model_id: str
    version_id: str
    task_type: str
    dataset_split: str
    bucket: str
    start: str
    end: str
    tags: dict[str, str]
    points: list[Point]


class SegmentOut(msgspec.Struct, omit_defaults=True):
    sample_count: int
    labeled_count: int
    metrics: dict[str, float | None] | None
    value: str | int | float | bool | msgspec.UnsetType | None = msgspec.UNSET
    range: list[float] | msgspec.UnsetType = msgspec.UNSET


class Segments(msgspec.Struct):
    model_id: str
    version_id: str
    task_type: str
    dataset_split: str
    by: str
    sort: str
    start: str | None
    end: str | None
    segments: list[SegmentOut]
    tags: dict[str, str]  # the slice segmented (`tag.<name>=<value>`); {}: every row


class VersionMetrics(msgspec.Struct):
    version_id: str
    metrics: dict[str, float | None]


class ComparisonOut(msgspec.Struct):
    model_id: str
    task_type: str
    dataset_split: str
    start: str | None
    end: str | None
    shared_rows: int
    baseline: VersionMetrics
    candidate: VersionMetrics
    delta: dict[str, float | None]
    tests: dict[str, dict[str, Any]]


class WindowsController(Controller):
    """Read on every dashboard refresh, so, like the summary's, these handlers skip Litestar's
    dependency injection (which resolves two services in a task group per request) and its
    guards: they take the services off the app and check the scope themselves."""

    path = "/models/{model_id:str}/performance"
    tags = ["v1 performance over time"]

    @get("/timeseries", operation_id="v1PerformanceTimeseries", opt=TAG_PREFIX)
    async def timeseries(
        self, request: Request[Principal, Any, Any], model_id: str,
        version_id: str | None = None, dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
        bucket: Bucket = Bucket.DAY, start: Timestamp = None, end: Timestamp = None,
        metrics: Annotated[str | None, Parameter(
            description="Comma-separated metric names (default: every metric of the task)")] = None,
        as_of: Timestamp = None, min_position: MinPosition = None,
    ) -> Response[Timeseries]:
        """Every bucket of [start, end) by row time, with exact metrics, label coverage and
        label delays. `tag.<name>=<value>` (repeatable) keeps the rows carrying those tags."""
        min_position = asked(min_position)  # the caller's token, as a position
        windows, answers = _services(request)
        now, last = time.time_ns() // 1000, query_micros("end", end)
        window = plan_window(str(bucket), query_micros("start", start), last, now)
        tags = tag_filters(request)
        organization_id, model = request.user.organization_id, parse_id(model_id, "Model")
        split = str(dataset_split)

        async def read(moment: datetime | None, position: int | None) -> tuple[Timeseries, int]:
            found, version, (kind, buckets), read_at = await windows.timeseries(
                organization_id, model, version_id, split, window, tags, moment, position)
            wanted = kind.metrics_named(metrics)
            bounds = format_whole_seconds(range(window.start, window.end + 1, window.width))
            points = [
                Point(bounds[(b.start - window.start) // window.width],
                      bounds[(b.start - window.start) // window.width + 1],
                      b.sample_count, b.labeled_count,
                      b.labeled_count / b.sample_count if b.sample_count else None,
                      None if b.label_delays is None else LabelDelays(**b.label_delays),
                      None if b.metrics is None else {name: b.metrics[name] for name in wanted})
                for b in buckets
            ]
            return Timeseries(found.model_id, version, kind.task_type, split, str(bucket),
                              format_micros(window.start), format_micros(window.end), tags,
                              points), read_at

        if as_of is not None:
            return answer(*await read(query_time("as_of", as_of), min_position))
        key = ("timeseries", organization_id, model, version_id, split, window,
               tuple(sorted(tags.items())), metrics)
        moves_at = window_moves_at(str(bucket), last, now)
        return await _cached(request, answers, key, windows.stamp(
            organization_id, model, [version_id], split), read, min_position,
            math.inf if moves_at is None else moves_at / 1e6)

    @get("/segments", operation_id="v1PerformanceSegments", opt=TAG_PREFIX)
    async def segments(
        self, request: Request[Principal, Any, Any], model_id: str,
        by: Annotated[str, Parameter(description="A tag name, or a declared input feature")],
        version_id: str | None = None, dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
        start: Timestamp = None, end: Timestamp = None,
        sort: Annotated[str | None, Parameter(
            description="The metric ranking segments, worst first")] = None,
        bins: Annotated[int | None, Parameter(ge=2, le=20)] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
        min_position: MinPosition = None,
    ) -> Response[Segments]:
        """Slices of the split by a tag or a feature, worst first by `sort`;
        `tag.<name>=<value>` (repeatable) segments only the rows carrying those tags."""
        min_position = asked(min_position)  # the caller's token, as a position
        windows, answers = _services(request)
        first, last = _row_times(start, end)
        tags = tag_filters(request)
        query = SegmentQuery(by, sort, bins, limit, first, last, tuple(sorted(tags.items())))
        organization_id, model = request.user.organization_id, parse_id(model_id, "Model")
        split = str(dataset_split)

        async def read(_: datetime | None, position: int | None) -> tuple[Segments, int]:
            found, version, (kind, segments), read_at = await windows.segments(
                organization_id, model, version_id, split, query, position)
            shaped = [
                SegmentOut(value=s.value if s.range is None else msgspec.UNSET,
                           range=list(s.range) if s.range is not None else msgspec.UNSET,
                           sample_count=s.sample_count, labeled_count=s.labeled_count,
                           metrics=s.metrics)
                for s in segments
            ]
            return Segments(found.model_id, version, kind.task_type, split, by,
                            sort or kind.headline_metric, _iso_or_none(first), _iso_or_none(last),
                            shaped, tags), read_at

        key = ("segments", organization_id, model, version_id, split, query)
        return await _cached(request, answers, key, windows.stamp(
            organization_id, model, [version_id], split), read, min_position)

    @get("/compare", operation_id="v1PerformanceCompare")
    async def compare(
        self, request: Request[Principal, Any, Any], model_id: str,
        candidate: Annotated[str, Parameter(description="The challenger's version id")],
        baseline: Annotated[str | None, Parameter(
            description="The champion's version id (default: the promoted version)")] = None,
        dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
        start: Timestamp = None, end: Timestamp = None, min_position: MinPosition = None,
    ) -> Response[ComparisonOut]:
        """Both versions on the rows both predicted that have ground truth."""
        min_position = asked(min_position)  # the caller's token, as a position
        windows, answers = _services(request)
        first, last = _row_times(start, end)
        organization_id, model = request.user.organization_id, parse_id(model_id, "Model")
        split = str(dataset_split)

        async def read(_: datetime | None, position: int | None) -> tuple[ComparisonOut, int]:
            found, version, (kind, result), read_at = await windows.compare(
                organization_id, model, baseline, candidate, split, first, last, position)
            return ComparisonOut(
                found.model_id, kind.task_type, split, _iso_or_none(first), _iso_or_none(last),
                result.shared_rows, VersionMetrics(version, result.baseline),
                VersionMetrics(candidate, result.candidate), result.delta, result.tests), read_at

        key = ("compare", organization_id, model, baseline, candidate, split, first, last)
        return await _cached(request, answers, key, windows.stamp(
            organization_id, model, [baseline, candidate], split), read, min_position)


def _services(request: Request[Principal, Any, Any]) -> tuple[Windows, CachedAnswers]:
    check_scopes(request.user, READ_SCOPE)
    services = request.app.state.container.services
    return services.windows, services.answers


async def _cached(request: Request[Principal, Any, Any], answers: CachedAnswers, key: Hashable,
                  stamp: Callable[[], Hashable],
                  read: Callable[[datetime | None, int | None], Awaitable[tuple[Any, int]]],
                  min_position: int | None, fresh_until: float = math.inf) -> Response[Any]:
    """A live answer, encoded once and served again while what it read is unchanged (and,
    for a window that ends with the current bucket, until that bucket ends)."""
    async def build() -> tuple[bytes, Hashable]:
        before = await anyio.to_thread.run_sync(stamp)  # a stamp older than its body is safe
        shaped, _ = await read(None, None)
        return msgspec.json.encode(shaped), before

    body, read_at = await answers.serve(
        READ_PROJECTIONS, min_position, key, stamp, build,
        question_of(request.scope, request.user, READ_SCOPE, fresh_until))
    return cached_answer(body, read_at)


def _row_times(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    first, last = query_micros("start", start), query_micros("end", end)
    check_order(first, last)
    return first, last


def _iso_or_none(micros: int | None) -> str | None:
    return None if micros is None else format_micros(micros)
