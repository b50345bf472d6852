"""v1 diagnostics: misclassified rows, and the promotion gate check CI/CD pipelines call."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from perfledger.api.auth import Principal, requires, requires_any
from perfledger.api.consistency import answer, reading
from perfledger.api.ids import parse_id
from perfledger.api.v1.tag_filters import TAG_PREFIX, tag_filters
from perfledger.domain.errors import InvalidInput, Unprocessable
from perfledger.domain.vocabulary import DatasetSplit
from perfledger.projections.database import Database
from perfledger.projections.performance.gates import check_gate_metrics, evaluate_gate
from perfledger.projections.performance.misclassifications import ErrorFilter, misclassified_sample
from perfledger.projections.performance.queries import find_summary
from perfledger.projections.registry.queries import ModelRow, find_model, resolve_version

READ_PROJECTIONS = ["registry", "performance"]


class MisclassifiedRecord(msgspec.Struct, omit_defaults=True):
    row_id: str
    features: dict[str, Any]
    true_label: str
    predicted_label: str
    confidence: float | None = None


class MisclassificationErrors(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    total_misclassified: int
    returned: int
    records: list[MisclassifiedRecord]


class GateCheckOut(msgspec.Struct):
    metric: str
    bound: str
    threshold: float
    value: float | None
    passed: bool


class GateVerdict(msgspec.Struct):
    model_id: str
    version_id: str
    dataset_split: str
    passed: bool
    checks: list[GateCheckOut]


class DiagnosticsController(Controller):
    path = "/models/{model_id:str}/performance"
    tags = ["v1 performance"]

    @get("/misclassification-errors", guards=[requires("dataset:read", "model:read")],
         operation_id="v1MisclassificationErrors", sync_to_thread=True, opt=TAG_PREFIX,
         dependencies={"position": reading(*READ_PROJECTIONS)})
    def misclassification_errors(
        self, request: Request[Any, Any, Any], model_id: str, principal: Principal,
        position: int, database: Database,
        version_id: str | None = None, dataset_split: DatasetSplit = DatasetSplit.TEST,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        true_label: str | None = None, predicted_label: str | None = None,
        min_confidence: Annotated[float | None, Parameter(ge=0.0, le=1.0)] = None,
    ) -> Response[MisclassificationErrors]:
        """`tag.<name>=<value>` (repeatable) samples only the rows carrying those tags."""
        tags = tuple(sorted(tag_filters(request).items()))
        model, version = _classifier_version(database, principal, model_id, version_id)
        total, rows = misclassified_sample(
            database, model.model_id, version, str(dataset_split), limit,
            ErrorFilter(true_label, predicted_label, min_confidence, tags), model.inputs)
        records = [MisclassifiedRecord(r.row_id, r.features, r.true_label, r.predicted_label,
                                       r.confidence) for r in rows]
        return answer(MisclassificationErrors(
            model.model_id, version, str(dataset_split), total, len(records),
            records), position)

    @get("/gate", guards=[requires_any("model:read")], operation_id="v1CheckGate",
         sync_to_thread=True, opt={"query_prefixes": ("min.", "max.")},
         dependencies={"position": reading(*READ_PROJECTIONS)})
    def gate(
        self, model_id: str, request: Request[Any, Any, Any], principal: Principal,
        position: int,
        database: Database, version_id: str | None = None,
        dataset_split: DatasetSplit = DatasetSplit.TEST,
    ) -> Response[GateVerdict]:
        """Thresholds come as `min.<metric>=<value>` and `max.<metric>=<value>`."""
        minimum, maximum = _thresholds(request)
        check_gate_metrics(minimum, maximum)
        model = find_model(database, principal.organization_id,
                           str(parse_id(model_id, "Model")))
        version = resolve_version(database, model.model_id, version_id)
        summary = find_summary(database, model.model_id, version, str(dataset_split))
        result = evaluate_gate(summary, minimum, maximum)
        checks = [GateCheckOut(c.metric, c.bound, c.threshold, c.value, c.passed)
                  for c in result.checks]
        return answer(GateVerdict(model.model_id, version, str(dataset_split),
                                  result.passed, checks), position)


def _classifier_version(database: Database, principal: Principal, model_id: str,
                        version_id: str | None) -> tuple[ModelRow, str]:
    model = find_model(database, principal.organization_id,
                       str(parse_id(model_id, "Model")))
    if model.task not in ("binary_classification", "multiclass_classification"):
        raise Unprocessable(f"Model '{model.model_id}' is a {model.task} model; "
                            "misclassification errors are for classification")
    return model, resolve_version(database, model.model_id, version_id)


def _thresholds(request: Request[Any, Any, Any]) -> tuple[dict[str, float], dict[str, float]]:
    bounds: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    for key, value in request.query_params.items():
        bound, dot, metric = key.partition(".")
        if not dot or bound not in bounds:
            continue
        try:
            bounds[bound][metric] = float(value)
        except ValueError:
            raise InvalidInput(f"Threshold '{key}' must be a number, got '{value}'") from None
    return bounds["min"], bounds["max"]
