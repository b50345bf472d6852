"""Input monitoring on PostgreSQL: the inputs projection's catch-up beside the performance
projection's on the same rows, and the drift and distribution answers' latency.

    python bench/inputs.py --rows 200000

A model with 25 declared inputs (20 numeric, 5 categorical) gets `--rows` production rows over
30 days and a tenth as many training rows, sent through the v1 API in batches of 1,000 (the
service in this process, its scheduler off); then each projection catches up alone from
position 0, timed; then drift for 30 daily buckets x 25 columns (and the 2 outputs) against a
static baseline, and one column's distribution, are asked `--requests` times each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from litestar.testing import TestClient

from perfledger.api.app import create_app
from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings

ADMIN_URL = os.environ.get("PERFLEDGER_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
NUMERIC, CATEGORICAL = 20, 5
PLANS = ["free", "pro", "team", "enterprise"]
DAYS = 30
BATCH = 1_000
TARGET_CATCH_UP = 50_000.0
TARGET_DRIFT_P95_MS = 50.0
TARGET_DISTRIBUTION_P95_MS = 20.0


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"perfledger_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def columns() -> list[dict[str, Any]]:
    numeric = [{"name": f"x{i}", "type": "float", "min": -4.0, "max": 4.0}
               for i in range(NUMERIC)]
    categorical = [{"name": f"c{i}", "type": "category", "categories": PLANS}
                   for i in range(CATEGORICAL)]
    return numeric + categorical


def records(rng: np.random.Generator, n: int, first: int, start: datetime, days: int,
            shift: float) -> list[dict[str, Any]]:
    values = rng.normal(shift, 1.0, (n, NUMERIC)).round(4)
    plans = rng.integers(0, len(PLANS), (n, CATEGORICAL))
    seconds = rng.integers(0, days * 86400, n)
    scores = rng.random(n).round(4)
    rows = []
    for i in range(n):
        features: dict[str, Any] = {f"x{j}": float(values[i, j]) for j in range(NUMERIC)}
        features.update({f"c{j}": PLANS[int(plans[i, j])] for j in range(CATEGORICAL)})
        rows.append({"row_id": f"r{first + i}", "score": float(scores[i]),
                     "predicted_label": "yes" if scores[i] >= 0.5 else "no",
                     "timestamp": (start + timedelta(seconds=int(seconds[i]))
                                   ).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "features": features})
    return rows


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with fresh_database() as url:
        results = run(url, args.rows, args.requests)
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    print(json.dumps(results, indent=2))


def run(url: str, rows: int, requests: int) -> dict[str, Any]:
    secret = secrets.token_urlsafe(32)
    env = {"PERFLEDGER_DATABASE_URL": url, "PERFLEDGER_JWT_SECRET": secret,
           "PERFLEDGER_DATA_DIR": f"/tmp/perfledger-bench-inputs-{uuid.uuid4().hex[:8]}"}
    container = build_container(Settings.from_env(env))
    organization = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {mint_token(secret, organization, [ADMIN])}"}
    rng = np.random.default_rng(7)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    with TestClient(create_app(container)) as client:
        model = client.post("/api/v1/models", headers=headers, json={
            "name": "wide", "task": "binary_classification", "labels": ["no", "yes"],
            "inputs": [c["name"] for c in columns()], "columns": columns()}).json()
        base = f"/api/v1/models/{model['id']}"
        client.post(f"{base}/versions", headers=headers, json={"version_id": "v1"})
        for status in ("training", "trained"):
            client.patch(f"{base}/versions/v1", headers=headers, json={"status": status})
        sent = time.perf_counter()
        for split, count, shift in (("train", rows // 10, 0.0), ("production", rows, 0.3)):
            for first in range(0, count, BATCH):
                batch = records(rng, min(BATCH, count - first), first, start, DAYS, shift)
                answer = client.post(f"{base}/versions/v1/predictions", headers=headers,
                                     json={"dataset_split": split, "records": batch})
                assert answer.status_code == 202, answer.text
        sending = time.perf_counter() - sent
        client.post(f"{base}/baselines", headers=headers,
                    json={"name": "training", "type": "static", "dataset_split": "train"})
        total_rows = rows + rows // 10
        engine = container.engine
        caught: dict[str, float] = {}
        for name in ("performance", "inputs"):
            began = time.perf_counter()
            while engine.catch_up(name, 5.0).applied_events:
                pass
            caught[name] = time.perf_counter() - began
        engine.catch_up_all(60.0)
        window = {"start": start.strftime("%Y-%m-%d"),
                  "end": (start + timedelta(days=DAYS)).strftime("%Y-%m-%d")}
        drift_ms, distribution_ms = [], []
        for _ in range(requests):
            began = time.perf_counter()
            answer = client.get(f"{base}/inputs/drift", headers=headers, params=window)
            drift_ms.append((time.perf_counter() - began) * 1e3)
            assert answer.status_code == 200 and len(answer.json()["points"]) == DAYS
            began = time.perf_counter()
            answer = client.get(f"{base}/inputs/distribution", headers=headers,
                                params={"column": "x0", **window})
            distribution_ms.append((time.perf_counter() - began) * 1e3)
            assert answer.status_code == 200
    container.close()
    return {
        "rows": total_rows, "columns": NUMERIC + CATEGORICAL,
        "sending_rows_per_s": round(total_rows / sending),
        "catch_up_rows_per_s": {name: round(total_rows / seconds)
                                for name, seconds in caught.items()},
        "inputs_over_performance_time": round(caught["inputs"] / caught["performance"], 2),
        "drift_ms": {"p50": round(statistics.median(drift_ms), 1),
                     "p95": round(percentile(drift_ms, 95), 1)},
        "distribution_ms": {"p50": round(statistics.median(distribution_ms), 1),
                            "p95": round(percentile(distribution_ms, 95), 1)},
        "targets": {"catch_up_rows_per_s": TARGET_CATCH_UP,
                    "drift_p95_ms": TARGET_DRIFT_P95_MS,
                    "distribution_p95_ms": TARGET_DISTRIBUTION_P95_MS},
    }


if __name__ == "__main__":
    main()
