"""Prediction and label batches: one aggregate and one event per batch of rows."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from perfledger.domain.aggregate import Aggregate, stored_as

BATCH_NAMESPACE = uuid5(NAMESPACE_URL, "perfledger/batches")


def batch_key(kind: str, model_id: UUID, version_id: str, split: str, batch_id: str) -> UUID:
    """Derives a batch's id, so that a resent batch finds the aggregate it created."""
    return uuid5(BATCH_NAMESPACE, f"{kind}/{model_id}/{version_id}/{split}/{batch_id}")


@stored_as("domain.batches")
class PredictionBatch(Aggregate):
    """Rows scored by one version on one split, stored column by column."""

    class Recorded(Aggregate.Created):
        organization_id: str
        model_id: UUID
        version_id: str
        dataset_split: str
        batch_id: str
        row_ids: list[str]
        predicted_labels: list[str | None]
        true_labels: list[str | None]
        scores: list[float | None]
        probability_labels: list[str]
        probabilities: list[list[float] | None]
        predictions: list[float | None]
        targets: list[float | None]
        features: list[str | None]
        timestamps: list[str | None]
        tags: list[dict[str, str] | None]

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Batches recorded before rows carried tags carry none."""
            state["tags"] = [None] * len(state["row_ids"])

    @staticmethod
    def create_id(model_id: UUID, version_id: str, dataset_split: str, batch_id: str) -> UUID:
        return batch_key("predictions", model_id, version_id, dataset_split, batch_id)

    @event(Recorded)
    def __init__(
        self,
        organization_id: str,
        model_id: UUID,
        version_id: str,
        dataset_split: str,
        batch_id: str,
        row_ids: list[str],
        predicted_labels: list[str | None],
        true_labels: list[str | None],
        scores: list[float | None],
        probability_labels: list[str],
        probabilities: list[list[float] | None],
        predictions: list[float | None],
        targets: list[float | None],
        features: list[str | None],
        timestamps: list[str | None],
        tags: list[dict[str, str] | None],
    ) -> None:
        self.model_id = model_id
        self.row_count = len(row_ids)


@stored_as("domain.batches")
class LabelBatch(Aggregate):
    """Ground truth that arrived after the predictions it belongs to."""

    class Recorded(Aggregate.Created):
        organization_id: str
        model_id: UUID
        version_id: str
        dataset_split: str
        batch_id: str
        row_ids: list[str]
        true_labels: list[str | None]
        targets: list[float | None]

    @staticmethod
    def create_id(model_id: UUID, version_id: str, dataset_split: str, batch_id: str) -> UUID:
        return batch_key("labels", model_id, version_id, dataset_split, batch_id)

    @event(Recorded)
    def __init__(
        self,
        organization_id: str,
        model_id: UUID,
        version_id: str,
        dataset_split: str,
        batch_id: str,
        row_ids: list[str],
        true_labels: list[str | None],
        targets: list[float | None],
    ) -> None:
        self.model_id = model_id
        self.row_count = len(row_ids)
