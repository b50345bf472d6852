"""`perfledger demo`: a small, realistic data set so a new user has something to look at."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from rich.progress import Progress

from perfledger.api.bootstrap import Container
from perfledger.domain.performance.records import LabelRecord, PredictionRecord
from perfledger.domain.values import Caller, ModelDefinition
from perfledger.domain.vocabulary import DatasetSplit, Task, VersionStatus

BATCH = 1000
Row = Callable[[random.Random, int], dict[str, Any]]


def churn_row(rng: random.Random, i: int) -> dict[str, Any]:
    tenure, tickets = rng.randint(1, 72), rng.randint(0, 6)
    risk = 1 / (1 + math.exp(0.08 * tenure - 0.6 * tickets + 0.5 + rng.gauss(0, 0.8)))
    truth = "churn" if rng.random() < risk else "stay"
    score = min(max(risk + rng.gauss(0, 0.15), 0.0), 1.0)
    return {
        "predicted_label": "churn" if score >= 0.5 else "stay",
        "score": round(score, 4),
        "true_label": truth,
        "features": {
            "tenure": tenure,
            "support_tickets": tickets,
            "monthly_spend": round(rng.uniform(10, 200), 2),
        },
    }


INTENTS = ["billing", "technical", "sales", "other"]


def intent_row(rng: random.Random, i: int) -> dict[str, Any]:
    truth = rng.choices(INTENTS, weights=[4, 3, 2, 1])[0]
    weights = [rng.random() + (0.7 if label == truth else 0) for label in INTENTS]
    total = sum(weights)
    probabilities = {label: w / total for label, w in zip(INTENTS, weights, strict=True)}
    predicted = max(probabilities, key=lambda label: probabilities[label])
    return {
        "predicted_label": predicted,
        "probabilities": probabilities,
        "true_label": truth,
        "features": {"words": rng.randint(3, 80)},
    }


def price_row(rng: random.Random, i: int) -> dict[str, Any]:
    area = rng.uniform(30, 220)
    target = 1800 * area + rng.gauss(0, 25_000)
    return {
        "prediction": round(1750 * area + 12_000 + rng.gauss(0, 20_000), 2),
        "target": round(target, 2),
        "features": {"area_m2": round(area, 1)},
    }


def load_demo(container: Container, organization_id: str, progress: Progress) -> list[str]:
    """Registers three models and records their versions, predictions and late labels."""
    ledger, caller, rng = container.ledger, Caller(organization_id), random.Random(7)
    plans: list[tuple[ModelDefinition, Row, dict[str, int]]] = [
        (
            ModelDefinition(
                "churn-classifier",
                Task.BINARY_CLASSIFICATION,
                labels=("stay", "churn"),
                inputs=("tenure", "support_tickets", "monthly_spend"),
            ),
            churn_row,
            {"test": 3000, "production": 6000},
        ),
        (
            ModelDefinition(
                "intent-router",
                Task.MULTICLASS_CLASSIFICATION,
                labels=tuple(INTENTS),
                inputs=("words",),
            ),
            intent_row,
            {"test": 2000, "production": 2000},
        ),
        (
            ModelDefinition("price-estimator", Task.REGRESSION, inputs=("area_m2",)),
            price_row,
            {"test": 2000},
        ),
    ]
    task = progress.add_task("loading the demo", total=sum(2 * sum(p[2].values()) for p in plans))
    model_ids = []
    for definition, make_row, splits in plans:
        model, _ = ledger.register_model(caller, definition)
        for version in ("v1", "v2"):
            ledger.create_version(caller, model.id, version)
            for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
                ledger.change_version_status(caller, model.id, version, status)
            for split, rows in splits.items():
                for batch in _batches(rng, make_row, rows, version):
                    _record(container, caller, model.id, version, DatasetSplit(split), batch)
                    progress.advance(task, len(batch))
        ledger.promote_version(caller, model.id, "v1", "demo: first release")
        model_ids.append(str(model.id))
    return model_ids


def _batches(
    rng: random.Random, make_row: Row, count: int, version: str
) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, count, BATCH):
        yield [
            {"row_id": f"{version}-{i}", **make_row(rng, i)}
            for i in range(start, min(start + BATCH, count))
        ]


def _record(
    container: Container,
    caller: Caller,
    model_id: UUID,
    version: str,
    split: DatasetSplit,
    batch: list[dict[str, Any]],
) -> None:
    """Production truth arrives late: predictions first, then labels for most rows."""
    late = split is DatasetSplit.PRODUCTION
    truth_key = "target" if "target" in batch[0] else "true_label"
    records = [
        PredictionRecord(**{k: v for k, v in row.items() if not (late and k == truth_key)})
        for row in batch
    ]
    container.ledger.record_predictions(caller, model_id, version, split, records)
    if late:
        labels = [
            LabelRecord(row_id=row["row_id"], **{truth_key: row[truth_key]})
            for row in batch[: int(len(batch) * 0.7)]
        ]
        container.ledger.record_labels(caller, model_id, version, split, labels)
