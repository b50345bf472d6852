"""v1 input monitoring: drift against a baseline, distributions and data integrity, per
bucket of row time, as sums of stored buckets."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from perfledger.api.auth import Principal, requires_any
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import answer
from perfledger.api.ids import parse_id
from perfledger.api.v1.baselines import READS
from perfledger.api.v1.performance import AsOf
from perfledger.api.v1.tag_filters import TAG_PREFIX, tag_filters
from perfledger.api.v1.times import query_micros, query_time
from perfledger.api.v1.windows import Bucket, Timestamp
from perfledger.domain.errors import InvalidInput
from perfledger.domain.metrics.drift import DRIFT_METRICS
from perfledger.domain.timestamps import format_micros
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.database import Tx
from perfledger.projections.inputs.measures import (
    Scope,
    chosen_columns,
    distribution_of,
    drift_of,
    integrity_of,
)
from perfledger.projections.inputs.queries import (
    Buckets,
    StoredBuckets,
    find_baseline,
    model_columns_of,
)
from perfledger.projections.inputs.slices import TaggedBuckets
from perfledger.projections.performance.timeseries import Window, plan_window
from perfledger.projections.registry.queries import model_in, version_meant

READ = [requires_any("model:read")]
Answer = TypeVar("Answer")
Names = Annotated[str | None, Parameter(max_length=4_000,
                                        description="Comma-separated column names")]
BaselineName = Annotated[str | None, Parameter(max_length=200,
                                               description="A baseline's id or name")]


class BaselineRef(msgspec.Struct):
    id: str
    name: str


class DriftPointOut(msgspec.Struct):
    start: str
    end: str
    sample_count: int
    columns: dict[str, dict[str, float | int | None]]


class DriftOut(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    baseline: BaselineRef
    bucket: str
    start: str
    end: str
    points: list[DriftPointOut]
    ranking: list[dict[str, Any]]


class DistributionOut(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    column: str
    type: str | None
    bins: list[Any]
    start: str | None
    end: str | None
    window: dict[str, Any]
    baseline: dict[str, Any] | None


class IntegrityPointOut(msgspec.Struct):
    start: str
    end: str
    sample_count: int
    any_violation_count: int
    any_violation_percentage: float | None
    columns: dict[str, dict[str, float | int | None]]


class IntegrityOut(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    bucket: str
    start: str
    end: str
    points: list[IntegrityPointOut]


class InputsController(Controller):
    """Each query answers from the live views, or with `as_of` from the model's input
    statistics replayed to that moment (heavy work, bounded like every replay)."""

    path = "/models/{model_id:str}/inputs"
    tags = ["v1 inputs"]

    @get("/drift", guards=READ, operation_id="v1InputDrift", dependencies=READS,
         opt=TAG_PREFIX)
    async def drift(self, request: Request[Any, Any, Any], model_id: str,
                    principal: Principal, position: int, container: Container,
                    baseline: BaselineName = None, columns: Names = None,
                    metrics: Annotated[str | None, Parameter(max_length=100)] = None,
                    version_id: str | None = None,
                    dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
                    bucket: Bucket = Bucket.DAY, start: Timestamp = None,
                    end: Timestamp = None, as_of: AsOf = None) -> Response[DriftOut]:
        """Each bucket's Jensen-Shannon distance and PSI of every binned column from the
        baseline, and the columns ranked by their distance over the whole range."""
        wanted = _metrics(metrics)
        window = _window(bucket, start, end)
        asked_columns = _names(columns)
        tags = tag_filters(request)

        def read(tx: Tx, model: str, version: str) -> DriftOut:
            scope = Scope(model, version, str(dataset_split))
            reference = find_baseline(tx, model, baseline)
            chosen = chosen_columns(tx, model, asked_columns, binned_only=True)
            found = drift_of(_buckets(tx, model, tags), scope, window, reference, chosen, wanted)
            width = window.width
            return DriftOut(
                model, version, scope.split,
                BaselineRef(reference.baseline_id, reference.name), str(bucket),
                format_micros(window.start), format_micros(window.end),
                [DriftPointOut(format_micros(p.start), format_micros(p.start + width),
                               p.sample_count, p.columns) for p in found.points],
                found.ranking)

        return await _answered(container, principal, model_id, version_id, as_of, position,
                               read)

    @get("/distribution", guards=READ, operation_id="v1InputDistribution",
         dependencies=READS, opt=TAG_PREFIX)
    async def distribution(self, request: Request[Any, Any, Any], model_id: str,
                           principal: Principal, position: int, container: Container,
                           column: Annotated[str, Parameter(max_length=200)],
                           baseline: BaselineName = None, version_id: str | None = None,
                           dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
                           start: Timestamp = None, end: Timestamp = None,
                           as_of: AsOf = None) -> Response[DistributionOut]:
        """The column's bins with the window's and the baseline's counts and proportions, and
        the window's count, missing count, mean, population std, min and max; every row
        without `start` and `end` (they round out to whole hours)."""
        first, last = query_micros("start", start), query_micros("end", end)
        if first is not None and last is not None and first >= last:
            raise InvalidInput("The window is empty: 'end' must come after 'start'",
                               {"field": "end"})
        tags = tag_filters(request)

        def read(tx: Tx, model: str, version: str) -> DistributionOut:
            scope = Scope(model, version, str(dataset_split))
            [spec] = chosen_columns(tx, model, [column], binned_only=False)
            reference = find_baseline(tx, model, baseline) if spec.binned and (
                baseline is not None or _has_baselines(tx, model)) else None
            found = distribution_of(_buckets(tx, model, tags), scope, first, last, reference, spec)
            return DistributionOut(
                model, version, scope.split, spec.name, spec.type, found["bins"],
                None if first is None else format_micros(first),
                None if last is None else format_micros(last), found["window"],
                found["baseline"])

        return await _answered(container, principal, model_id, version_id, as_of, position,
                               read)

    @get("/integrity", guards=READ, operation_id="v1InputIntegrity", dependencies=READS,
         opt=TAG_PREFIX)
    async def integrity(self, request: Request[Any, Any, Any], model_id: str,
                        principal: Principal, position: int, container: Container,
                        columns: Names = None,
                        version_id: str | None = None,
                        dataset_split: DatasetSplit = DatasetSplit.PRODUCTION,
                        bucket: Bucket = Bucket.DAY, start: Timestamp = None,
                        end: Timestamp = None, as_of: AsOf = None) -> Response[IntegrityOut]:
        """Per bucket: rows (traffic), rows with any violation, and each column's missing
        values, type and range violations, with each count's share of the rows."""
        window = _window(bucket, start, end)
        asked_columns = _names(columns)
        tags = tag_filters(request)

        def read(tx: Tx, model: str, version: str) -> IntegrityOut:
            scope = Scope(model, version, str(dataset_split))
            chosen = chosen_columns(tx, model, asked_columns, binned_only=False)
            points = integrity_of(_buckets(tx, model, tags), scope, window, chosen)
            width = window.width
            return IntegrityOut(
                model, version, scope.split, str(bucket), format_micros(window.start),
                format_micros(window.end),
                [IntegrityPointOut(format_micros(p["start"]), format_micros(p["start"] + width),
                                   p["sample_count"], p["any_violation_count"],
                                   p["any_violation_percentage"], p["columns"])
                 for p in points])

        return await _answered(container, principal, model_id, version_id, as_of, position,
                               read)


async def _answered(container: Container, principal: Principal, model_id: str,
                    version_id: str | None, as_of: str | None, position: int,
                    read: Callable[[Tx, str, str], Answer]) -> Response[Answer]:
    """`read(tx, model, version)` on the live views, or on the views replayed to `as_of`
    (the version meant then)."""
    model = str(parse_id(model_id, "Model"))
    moment = query_time("as_of", as_of)
    if moment is not None:
        _, found, read_at = await container.services.time_travel.inputs(
            principal.organization_id, UUID(model), version_id, moment, position,
            lambda tx, version: read(tx, model, version))
        return answer(found, read_at)

    def live() -> Answer:
        with container.database.read() as tx:
            found = model_in(tx, principal.organization_id, model).model_id
            return read(tx, found, version_meant(tx, found, version_id))

    return answer(await anyio.to_thread.run_sync(live), position)


def _buckets(tx: Tx, model_id: str, tags: dict[str, str]) -> Buckets:
    """The stored buckets of every row, or, with tag filters, those of the rows carrying
    them, measured from the rows (the baseline's rows are filtered alike)."""
    return TaggedBuckets(tx, tags, model_columns_of(tx, model_id)) if tags else \
        StoredBuckets(tx)


def _has_baselines(tx: Any, model_id: str) -> bool:
    return tx.value("SELECT 1 FROM input_baselines WHERE model_id = ? LIMIT 1",
                    (model_id,)) is not None


def _window(bucket: Bucket, start: str | None, end: str | None) -> Window:
    return plan_window(str(bucket), query_micros("start", start), query_micros("end", end),
                       time.time_ns() // 1000)


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InvalidInput("'columns' names at least one column", {"field": "columns"})
    return names


def _metrics(text: str | None) -> list[str]:
    if text is None:
        return list(DRIFT_METRICS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DRIFT_METRICS]
    if unknown or not names:
        raise InvalidInput(f"Unknown drift metric {(unknown or [''])[0][:100]!r}; expected"
                           f" one of: {', '.join(DRIFT_METRICS)}", {"field": "metrics"})
    return list(dict.fromkeys(names))
