"""The v2 metrics answers, as the seeds give them: typed, so the OpenAPI document shows them."""

from __future__ import annotations

from typing import Any

import msgspec


class DecisionMetrics(msgspec.Struct):
    precision: float
    recall: float
    f1_score: float
    true_positives: int
    true_negatives: int
    false_positives: int
    false_negatives: int


class ChangedConsensus(msgspec.Struct):
    total_events: int
    top_events_ids: list[str]
    top_buckets_ids: list[str]


class JobMetricsOut(msgspec.Struct):
    confusion_matrix: list[list[int]]
    overall_accuracy: float | None
    overall_f1_score: float | None
    overall_recall: float | None
    overall_precision: float | None
    metrics_per_decision: dict[str, DecisionMetrics]
    start_time: str | None
    end_time: str | None
    time_saved_minutes: float
    active_model_id: str | None
    all_model_ids: list[str]
    total_events: int
    total_events_in_knowledge_base: int
    total_events_with_consensus: int
    changed_consensus_after_training: ChangedConsensus


class ModelMetricsOut(msgspec.Struct):
    model_id: str | None
    is_recomputing_metrics: bool
    last_recomputed_timestamp: str | None
    overall_accuracy: float | None
    overall_f1_score: float | None
    overall_recall: float | None
    overall_precision: float | None
    confusion_matrix: list[list[int]] | None
    metrics_per_decision: dict[str, DecisionMetrics]


class JobAndModelMetricsOut(JobMetricsOut):
    active_model_metrics: ModelMetricsOut


class RecomputeQueued(msgspec.Struct):
    message: str
    job_id: int
    model_id: str
    status: str
    requested_at: str


def shaped(body: dict[str, Any], shape: type[msgspec.Struct]) -> Any:
    """A metrics dict (as the read model computes it) as its answer type."""
    return msgspec.convert(body, shape)
