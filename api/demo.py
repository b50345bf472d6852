"""`perfledger demo`: a small, realistic data set so a new user has something to look at."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from rich.progress import Progress

from perfledger.api.bootstrap import Container
from perfledger.domain.inputs.baselines import BaselineDefinition
from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.monitoring.rules import MonitorRule
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


DEVICES = ["web", "ios", "android"]
# The churn-classifier's inputs, typed and binned; its baseline is its test split.
CHURN_COLUMNS = (
    ColumnSpec("tenure", "int", 0, 72),
    ColumnSpec("support_tickets", "int", 0, 10),
    ColumnSpec("monthly_spend", "float", 0, 250),
    ColumnSpec("device", "category", categories=tuple(DEVICES)),
)


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


REGIONS = ["eu", "us", "apac"]
PLANS = ["free", "pro"]
DAYS = 30  # of production traffic, up to now
DRIFT_DAYS = 7  # the last week, one region's traffic drifts away from what v1 learned
DRIFTING_REGION = "apac"


# On the churn-classifier: the whole traffic stays above its thresholds; the drifting region
# falls below its critical one in the last week.
DEMO_MONITORS = [
    MonitorRule(name="daily accuracy", metric="accuracy", warning=0.6, critical=0.5,
                min_labeled=50),
    MonitorRule(name=f"daily accuracy in {DRIFTING_REGION}", metric="accuracy", warning=0.7,
                critical=0.6, min_labeled=20, tags={"region": DRIFTING_REGION}),
]


CHURN, INTENT, PRICE = DEMO_MODELS = ("churn-classifier", "intent-router", "price-estimator")


def load_demo(container: Container, organization_id: str, progress: Progress) -> list[str]:
    """Registers three models with a champion (v1, promoted) and a challenger (v2) scored on
    the same production rows: a month of tagged traffic, one region drifting in the last
    week, and labels that have not all arrived for the last two days."""
    ledger, caller, rng = container.ledger, Caller(organization_id), random.Random(7)
    inputs = random.Random(11)  # the devices and the inputs' drift: rng's stream stays as it was
    plans: list[tuple[ModelDefinition, Row, dict[str, int]]] = [
        (
            ModelDefinition(
                CHURN,
                Task.BINARY_CLASSIFICATION,
                labels=("stay", "churn"),
                inputs=("tenure", "support_tickets", "monthly_spend", "device"),
                columns=CHURN_COLUMNS,
            ),
            churn_row,
            {"test": 3000, "production": 12000},
        ),
        (
            ModelDefinition(
                INTENT,
                Task.MULTICLASS_CLASSIFICATION,
                labels=tuple(INTENTS),
                inputs=("words",),
            ),
            intent_row,
            {"test": 2000, "production": 4000},
        ),
        (
            ModelDefinition(PRICE, Task.REGRESSION, inputs=("area_m2",)),
            price_row,
            {"test": 2000, "production": 3000},
        ),
    ]
    task = progress.add_task("loading the demo", total=sum(2 * sum(p[2].values()) for p in plans))
    now = datetime.now(UTC)
    model_ids = []
    for definition, make_row, splits in plans:
        model, _ = ledger.register_model(caller, definition)
        traffic = {split: _traffic(rng, inputs, make_row, rows, split, now)
                   for split, rows in splits.items()}
        for version in ("v1", "v2"):
            ledger.create_version(caller, model.id, version)
            for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
                ledger.change_version_status(caller, model.id, version, status)
            for split, rows in traffic.items():
                scored = [_scored_by(version, row, rng) for row in rows]
                for start in range(0, len(scored), BATCH):
                    batch = scored[start:start + BATCH]
                    _record(container, caller, model.id, version, DatasetSplit(split), batch, now)
                    progress.advance(task, len(batch))
        ledger.promote_version(caller, model.id, "v1", "demo: first release")
        model_ids.append(str(model.id))
    for rule in DEMO_MONITORS:
        ledger.create_monitor(caller, UUID(model_ids[0]), rule)
    ledger.create_baseline(caller, UUID(model_ids[0]), "test set",
                           BaselineDefinition("static", "test"), True)
    return model_ids


def _traffic(rng: random.Random, inputs: random.Random, make_row: Row, count: int, split: str,
             now: datetime) -> list[dict[str, Any]]:
    """Rows as v1 scored them. Production rows get a time in the last DAYS days and tags; in
    the last DRIFT_DAYS days, the churn-classifier's inputs drift, and v1 gets
    DRIFTING_REGION's rows wrong far more often."""
    rows = []
    for i in range(count):
        row = {"row_id": f"{split}-{i}", **make_row(rng, i)}
        if "monthly_spend" in row["features"]:
            row["features"]["device"] = inputs.choices(DEVICES, weights=[5, 3, 2])[0]
        if split == "production":
            age = timedelta(seconds=rng.uniform(0, DAYS * 86400))
            region, plan = rng.choice(REGIONS), rng.choice(PLANS)
            row["timestamp"] = (now - age).isoformat()
            row["tags"] = {"region": region, "plan": plan}
            if age < timedelta(days=DRIFT_DAYS):
                _inputs_drift(inputs, row)
                if region == DRIFTING_REGION:
                    _drift(rng, row)
        rows.append(row)
    return rows


def _inputs_drift(rng: random.Random, row: dict[str, Any]) -> None:
    """In the last week the churn-classifier's customers spend more, more of them come on
    android, and a third of the rows arrive without their support tickets."""
    features = row["features"]
    if "monthly_spend" not in features:
        return
    features["monthly_spend"] = round(min(features["monthly_spend"] + rng.uniform(30, 90), 249.0),
                                      2)
    if rng.random() < 0.4:
        features["device"] = "android"
    if rng.random() < 0.33:
        features["support_tickets"] = None


def _drift(rng: random.Random, row: dict[str, Any]) -> None:
    if "prediction" in row:
        row["prediction"] = round(row["prediction"] * rng.uniform(1.1, 1.4), 2)
    elif rng.random() < 0.4:
        row["predicted_label"] = rng.choice(
            [label for label in _labels_of(row) if label != row["true_label"]])
        if "score" in row:
            row["score"] = round(1.0 - row["score"], 4)
        if "probabilities" in row:
            rest = (1 - 0.6) / (len(INTENTS) - 1)
            row["probabilities"] = {label: 0.6 if label == row["predicted_label"] else rest
                                    for label in INTENTS}


def _scored_by(version: str, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """v2, the challenger, gets a third of v1's mistakes right; v1 is the rows as made."""
    if version == "v1":
        return row
    better = dict(row)
    if "prediction" in row:
        better["prediction"] = round(row["target"] + (row["prediction"] - row["target"]) * 0.8, 2)
    elif row["predicted_label"] != row["true_label"] and rng.random() < 0.33:
        better["predicted_label"] = row["true_label"]
        if "score" in row:
            better["score"] = 0.8 if row["true_label"] == "churn" else 0.2
        if "probabilities" in row:
            rest = (1 - 0.7) / (len(INTENTS) - 1)
            better["probabilities"] = {label: 0.7 if label == row["true_label"] else rest
                                       for label in INTENTS}
    return better


def _labels_of(row: dict[str, Any]) -> list[str]:
    return list(row["probabilities"]) if "probabilities" in row else ["stay", "churn"]


def _label_arrives(row: dict[str, Any], now: datetime, rng: random.Random) -> bool:
    """Most labels are in after two days; some after one; none yet for the last day."""
    age = now - datetime.fromisoformat(row["timestamp"])
    share = 0.9 if age > timedelta(days=2) else 0.4 if age > timedelta(days=1) else 0.0
    return rng.random() < share


def _record(
    container: Container,
    caller: Caller,
    model_id: UUID,
    version: str,
    split: DatasetSplit,
    batch: list[dict[str, Any]],
    now: datetime,
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
        rng = random.Random(f"{model_id}-{batch[0]['row_id']}")  # same rows for both versions
        labels = [
            LabelRecord(row_id=row["row_id"], **{truth_key: row[truth_key]})
            for row in batch if _label_arrives(row, now, rng)
        ]
        if labels:
            container.ledger.record_labels(caller, model_id, version, split, labels)
