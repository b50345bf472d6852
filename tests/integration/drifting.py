"""A churn model with typed columns, a training split and drifted production rows (some
late, some replaced), and how to measure those rows the way scipy and numpy would: what the
tests of input drift and of input monitors share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from tests.scenario import Scenario

START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
DAYS = 6
PLANS = ["free", "pro", "team"]
REGIONS = ["eu", "us", "apac"]  # two rows in five each of eu and us, one of apac
COLUMNS = [
    {"name": "age", "type": "float", "min": 0, "max": 100},
    {"name": "plan", "type": "category", "categories": PLANS, "nullable": False},
    {"name": "visits", "type": "int", "min": 0, "max": 50},
    {"name": "note", "type": "str"},
]
EDGES = np.linspace(0, 100, 11)[1:-1]
VISIT_EDGES = np.linspace(0, 50, 11)[1:-1]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def random_rows(seed: int, n: int, prefix: str, shift: float = 0.0) -> list[dict[str, Any]]:
    """Rows with every kind of value: in range, out of range, missing, of the wrong type."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        age: Any = round(float(rng.normal(40 + shift, 15)), 3)
        plan: Any = str(rng.choice(PLANS, p=[0.6, 0.3, 0.1] if not shift else [0.2, 0.3, 0.5]))
        visits: Any = int(rng.integers(0, 60))
        roll = rng.random()
        if roll < 0.05:
            age = None
        elif roll < 0.08:
            age = "old"  # the wrong type
        elif roll < 0.10:
            plan = "vip"  # outside the categories
        elif roll < 0.12:
            plan = None  # missing, and plan is not nullable
        elif roll < 0.14:
            visits = 2.5  # not integral
        features = {"age": age, "plan": plan, "visits": visits,
                    "note": 7 if roll > 0.97 else "ok"}
        rows.append({"row_id": f"{prefix}{i}", "predicted_label": "yes" if i % 3 else "no",
                     "score": round(float(rng.random()), 4), "features": features,
                     "tags": {"region": REGIONS[i % 5 // 2]},
                     "timestamp": iso(START + timedelta(
                         seconds=int(rng.integers(0, DAYS * 86400))))})
    return rows


def drifting_model(scenario: Scenario) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model created and its rows caught up: (training rows, production rows as kept)."""
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"],
                          inputs=["age", "plan", "visits", "note"], columns=COLUMNS)
    scenario.trained_version()
    train = random_rows(1, 600, "t")
    production = random_rows(2, 900, "p", shift=12.0)
    for split, rows in (("train", train), ("production", production)):
        for first in range(0, len(rows), 250):
            scenario.send_predictions("v1", rows[first:first + 250], split=split)
    # late rows land in early buckets, and replaced rows move their contribution
    replaced = [{**row, "features": {**row["features"], "age": 99.0, "plan": "team"}}
                for row in production[:40]]
    scenario.send_predictions("v1", replaced, split="production")
    production = replaced + production[40:]
    scenario.catch_up()
    return train, production


def in_region(rows: list[dict[str, Any]], region: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["tags"]["region"] == region]


def day_of(row: dict[str, Any]) -> int:
    return (datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")) - START).days


def numeric_bins(values: list[Any], edges: np.ndarray, integral: bool = False) -> np.ndarray:
    kept = [v for v in values
            if type(v) in (int, float) and (not integral or float(v).is_integer())]
    return np.bincount(np.digitize(np.array(kept, dtype=float), edges), minlength=10)


def plan_bins(values: list[Any]) -> np.ndarray:
    counts = np.zeros(4, np.int64)
    for value in values:
        if isinstance(value, str):
            counts[PLANS.index(value) if value in PLANS else 3] += 1
    return counts


def bins_of(rows: list[dict[str, Any]], column: str) -> np.ndarray:
    values = [row["features"][column] for row in rows]
    if column == "age":
        return numeric_bins(values, EDGES)
    if column == "visits":
        return numeric_bins(values, VISIT_EDGES, integral=True)
    return plan_bins(values)


def violates(features: dict[str, Any]) -> bool:
    age, plan, visits, note = (features[c] for c in ("age", "plan", "visits", "note"))
    return (age == "old" or (type(age) is float and not 0 <= age <= 100)
            or plan == "vip" or plan is None
            or visits == 2.5 or (type(visits) is int and not 0 <= visits <= 50)
            or note == 7)


def psi(window: np.ndarray, baseline: np.ndarray) -> float:
    width = window.size
    a = (window + 1) / (window.sum() + width)
    e = (baseline + 1) / (baseline.sum() + width)
    return float(np.sum((a - e) * np.log(a / e)))
