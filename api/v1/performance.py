"""v1 performance queries: cached summaries and confusion matrices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get
from litestar.exceptions import ValidationException
from litestar.params import Parameter

from api.auth import Principal, requires_any
from api.bootstrap import Container
from api.consistency import answer, read_position
from api.dependencies import parse_model_id
from domain.errors import Unprocessable
from domain.timestamps import parse_timestamp
from domain.vocabulary import DatasetSplit
from projections.performance.queries import PERFORMANCE_TASKS, Summary, cached_performance
from projections.performance.time_travel import resolve_as_of, summary_as_of
from projections.registry.queries import ModelRow, find_model

READ_PROJECTIONS = ["registry", "performance"]
# Time travel reads the event log, and finds the model's batches in its history.
TIME_TRAVEL_PROJECTIONS = ["history", "registry"]
MinPosition = Annotated[int | None, Parameter(ge=0)]
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
    path = "/models/{model_id:str}/performance"
    tags = ["v1 performance"]

    @get(
        "/summary",
        guards=[requires_any("model:read")],
        operation_id="v1PerformanceSummary",
        sync_to_thread=True,
    )
    def summary(
        self,
        model_id: str,
        principal: Principal,
        container: Container,
        version_id: str | None = None,
        dataset_split: DatasetSplit = DatasetSplit.TEST,
        min_position: MinPosition = None,
        as_of: AsOf = None,
    ) -> Response[PerformanceSummary]:
        model, version_id, summary, position = _summary(
            container, principal, model_id, version_id, dataset_split, min_position, as_of
        )
        return answer(
            PerformanceSummary(
                model.model_id,
                version_id,
                summary.task_type,
                str(dataset_split),
                summary.metrics,
                summary.sample_count,
                summary.labeled_count,
                summary.evaluated_at,
            ),
            position,
        )

    @get(
        "/confusion-matrix",
        guards=[requires_any("model:read")],
        operation_id="v1ConfusionMatrix",
        sync_to_thread=True,
    )
    def confusion_matrix(
        self,
        model_id: str,
        principal: Principal,
        container: Container,
        version_id: str | None = None,
        dataset_split: DatasetSplit = DatasetSplit.TEST,
        min_position: MinPosition = None,
        as_of: AsOf = None,
    ) -> Response[ConfusionMatrix]:
        model, version_id, summary, position = _summary(
            container, principal, model_id, version_id, dataset_split, min_position, as_of
        )
        if summary.confusion is None:
            raise Unprocessable(
                f"Model '{model.model_id}' is a {model.task} model; "
                "confusion matrices are for classification"
            )
        return answer(
            ConfusionMatrix(
                model.model_id,
                version_id,
                str(dataset_split),
                summary.confusion["labels"],
                summary.confusion["matrix"],
                summary.evaluated_at,
            ),
            position,
        )


def _summary(
    container: Container,
    principal: Principal,
    model_id: str,
    version_id: str | None,
    split: DatasetSplit,
    min_position: int | None,
    as_of: str | None,
) -> tuple[ModelRow, str, Summary, int]:
    """The cached summary, or with `as_of` the one replayed from the event log."""
    moment = None if as_of is None else _parse_as_of(as_of)
    if moment is None:
        position = read_position(container, READ_PROJECTIONS, min_position)
    else:
        # everything recorded up to now must be in the history before it is searched
        head = max(container.engine.log.head(), min_position or 0)
        position = read_position(container, TIME_TRAVEL_PROJECTIONS, head)
    model_uuid = str(parse_model_id(model_id))
    if moment is None:
        model, version, summary = cached_performance(
            container.database, principal.organization_id, model_uuid, version_id, str(split)
        )
        return model, version, summary, position
    model = find_model(container.database, principal.organization_id, model_uuid)
    if model.task not in PERFORMANCE_TASKS:
        raise Unprocessable(
            f"Model '{model.model_id}' is a {model.task} model; "
            "performance is for classification and regression"
        )
    past, version = resolve_as_of(container.ledger, parse_model_id(model_id), version_id, moment)
    summary = summary_as_of(
        container.ledger, container.database, past, version, str(split), moment
    )
    return model, version, summary, position


def _parse_as_of(text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise ValidationException(
            f"Invalid as_of: {error}", extra=[{"key": "as_of", "source": "query"}]
        ) from None
