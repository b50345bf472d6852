"""v1 performance queries: cached summaries and confusion matrices."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from perfledger.api.auth import Principal, check_scopes
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import MinPosition, answer, cached_answer
from perfledger.api.hot_reads import question_of
from perfledger.api.ids import parse_id
from perfledger.api.tenant_positions import asked
from perfledger.api.v1.tag_filters import TAG_PREFIX, tag_filters
from perfledger.api.v1.times import query_time
from perfledger.domain.errors import InvalidInput, Unprocessable
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.performance.queries import (
    Summary,
    cached_performance,
    series_stamp,
)
from perfledger.projections.registry.queries import ModelRow

READ_SCOPE = "model:read"
READ_PROJECTIONS = ["registry", "performance"]
AsOf = Annotated[
    str | None,
    Parameter(description="ISO 8601 timestamp or date: answer as the projections did then"),
]


class PerformanceSummary(msgspec.Struct):
    model_id: str
    version_id: str
    task_type: str
    dataset_split: str
    metrics: dict[str, float | None]
    sample_count: int
    labeled_count: int
    evaluated_at: str


class ConfusionMatrix(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    labels: list[str]
    matrix: list[list[int]]
    evaluated_at: str


class PerformanceController(Controller):
    """The hottest read path, so its handlers skip Litestar's dependency injection and guards.

    They read the container off the app and check the scope with the guards' own function.
    """

    path = "/models/{model_id:str}/performance"
    tags = ["v1 performance"]

    @get("/summary", operation_id="v1PerformanceSummary", opt=TAG_PREFIX)
    async def summary(
        self,
        request: Request[Principal, Any, Any],
        model_id: str,
        version_id: str | None = None,
        dataset_split: DatasetSplit = DatasetSplit.TEST,
        min_position: MinPosition = None,
        as_of: AsOf = None,
    ) -> Response[PerformanceSummary]:
        """Every labeled row of the split; `tag.<name>=<value>` (repeatable) measures only the
        rows carrying those tags (read from the rows, as a sliced timeseries is)."""
        min_position = asked(min_position)  # the caller's token, as a position

        def build(found: Found) -> PerformanceSummary:
            model, version, summary = found
            return PerformanceSummary(
                model.model_id,
                version,
                summary.task_type,
                str(dataset_split),
                summary.metrics,
                summary.sample_count,
                summary.labeled_count,
                summary.evaluated_at,
            )

        check_scopes(request.user, READ_SCOPE)
        query = PerformanceQuery(request.user, model_id, version_id, dataset_split, min_position,
                                 tag_filters(request))
        return await _answer(request, "summary", query, as_of, build)

    @get("/confusion-matrix", operation_id="v1ConfusionMatrix", opt=TAG_PREFIX)
    async def confusion_matrix(
        self,
        request: Request[Principal, Any, Any],
        model_id: str,
        version_id: str | None = None,
        dataset_split: DatasetSplit = DatasetSplit.TEST,
        min_position: MinPosition = None,
        as_of: AsOf = None,
    ) -> Response[ConfusionMatrix]:
        """Counts of (true, predicted) label pairs; `tag.<name>=<value>` (repeatable) counts
        only the rows carrying those tags."""
        min_position = asked(min_position)  # the caller's token, as a position

        def build(found: Found) -> ConfusionMatrix:
            model, version, summary = found
            if summary.confusion is None:
                raise Unprocessable(
                    f"Model '{model.model_id}' is a {model.task} model; "
                    "confusion matrices are for classification"
                )
            return ConfusionMatrix(
                model.model_id,
                version,
                str(dataset_split),
                summary.confusion["labels"],
                summary.confusion["matrix"],
                summary.evaluated_at,
            )

        check_scopes(request.user, READ_SCOPE)
        query = PerformanceQuery(request.user, model_id, version_id, dataset_split, min_position,
                                 tag_filters(request))
        return await _answer(request, "confusion-matrix", query, as_of, build)


Found = tuple[ModelRow, str, Summary]
Answer = TypeVar("Answer", PerformanceSummary, ConfusionMatrix)


@dataclass(frozen=True)
class PerformanceQuery:
    principal: Principal
    model_id: str
    version_id: str | None
    split: DatasetSplit
    min_position: int | None
    tags: dict[str, str]  # a slice: only the rows carrying these tags


async def _answer(
    request: Request[Principal, Any, Any],
    kind: str,
    query: PerformanceQuery,
    as_of: str | None,
    build: Callable[[Found], Answer],
) -> Response[Any]:
    """The cached performance shaped by `build`; served from encoded answers when unchanged."""
    container: Container = request.app.state.container
    model_id = str(parse_id(query.model_id, "Model"))
    organization_id = query.principal.organization_id
    moment = query_time("as_of", as_of)
    if query.tags:
        if moment is not None:
            raise InvalidInput("'as_of' and tag filters are not answered together: ask the"
                               " timeseries with both, or drop one", {"field": "as_of"})
        model, version, summary, position = await container.services.windows.sliced_summary(
            organization_id, UUID(model_id), query.version_id, str(query.split), query.tags,
            query.min_position)
        return answer(build((model, version, summary)), position)
    if moment is not None:
        model, version, summary, position = await container.services.time_travel.summary(
            organization_id, UUID(model_id), query.version_id, str(query.split), moment,
            query.min_position)
        return answer(build((model, version, summary)), position)

    def stamp() -> Hashable:
        return series_stamp(container.database, organization_id, model_id, [query.version_id],
                            str(query.split))

    async def encoded() -> tuple[bytes, Hashable]:
        model, version, (summary, read) = await anyio.to_thread.run_sync(
            cached_performance, container.database, organization_id, model_id,
            query.version_id, str(query.split))
        return msgspec.json.encode(build((model, version, summary))), read

    key = (kind, organization_id, model_id, query.version_id, query.split)
    body, read_at = await container.services.answers.serve(
        READ_PROJECTIONS, query.min_position, key, stamp, encoded,
        question_of(request.scope, query.principal, READ_SCOPE))
    return cached_answer(body, read_at)
