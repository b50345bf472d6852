"""Input monitoring on PostgreSQL: ingest with input statistics beside the same rows'
ingest without, each projection's catch-up, the drift and distribution answers' latency, and
(with `--evidently`) Evidently's DataDriftPreset on the same rows.

    python bench/inputs.py --rows 1000000 --evidently /tmp/evidently/bin/python

Two models get the same `--rows` production rows over 30 days and `--reference` training
rows, sent through the v1 API in batches of 1,000 (the service in this process, its
scheduler off), and after each model's rows every projection catches up, timed: `plain`
lists its 25 inputs (20 numeric, 5 categorical) without declaring columns, so only its
performance is measured; `wide` declares them, so its input statistics are kept too. Ingest
is the rows over the sending and the catch-up. Then drift for 30 daily buckets x 25 columns
(and the 2 outputs) against the training baseline, and one column's distribution, are asked
`--requests` times each. `--evidently PYTHON` runs `bench/evidently_drift.py` with that
interpreter (a virtualenv holding Evidently 0.7 and pandas < 3) on the same training and
production rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
TARGET_INGEST_RATIO = 0.5
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


@dataclass(frozen=True)
class Rows:
    numeric: np.ndarray  # rows x NUMERIC
    categorical: np.ndarray  # rows x CATEGORICAL, indexes into PLANS
    seconds: np.ndarray  # offsets from the range's start
    scores: np.ndarray

    @classmethod
    def drawn(cls, rng: np.random.Generator, n: int, shift: float) -> Rows:
        return cls(rng.normal(shift, 1.0, (n, NUMERIC)).round(4),
                   rng.integers(0, len(PLANS), (n, CATEGORICAL)),
                   rng.integers(0, DAYS * 86400, n), rng.random(n).round(4))

    def records(self, first: int, count: int, start: datetime) -> list[dict[str, Any]]:
        rows = []
        for i in range(first, first + count):
            features: dict[str, Any] = {f"x{j}": float(self.numeric[i, j])
                                        for j in range(NUMERIC)}
            features.update({f"c{j}": PLANS[int(self.categorical[i, j])]
                             for j in range(CATEGORICAL)})
            rows.append({"row_id": f"r{i}", "score": float(self.scores[i]),
                         "predicted_label": "yes" if self.scores[i] >= 0.5 else "no",
                         "timestamp": (start + timedelta(seconds=int(self.seconds[i]))
                                       ).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "features": features})
        return rows

    def plans(self) -> np.ndarray:
        return np.array(PLANS)[self.categorical]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference", type=int, help="training rows (default: a tenth)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--evidently", help="a Python with Evidently 0.7 (and pandas < 3)")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    train = Rows.drawn(rng, args.reference or args.rows // 10, 0.0)
    production = Rows.drawn(rng, args.rows, 0.3)
    with fresh_database() as url:
        results = run(url, train, production, args.requests)
    if args.evidently:
        results["evidently"] = evidently(args.evidently, train, production)
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    print(json.dumps(results, indent=2))


def run(url: str, train: Rows, production: Rows, requests: int) -> dict[str, Any]:
    secret = secrets.token_urlsafe(32)
    env = {"PERFLEDGER_DATABASE_URL": url, "PERFLEDGER_JWT_SECRET": secret,
           "PERFLEDGER_DATA_DIR": f"/tmp/perfledger-bench-inputs-{uuid.uuid4().hex[:8]}"}
    container = build_container(Settings.from_env(env))
    organization = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {mint_token(secret, organization, [ADMIN])}"}
    start = datetime(2026, 10, 1, tzinfo=UTC)
    total_rows = len(train.scores) + len(production.scores)
    with TestClient(create_app(container)) as client:
        ingest = {}
        for name, declared in (("plain", []), ("wide", columns())):
            base = create_model(client, headers, name, declared)
            ingest[name] = ingested(client, container.engine, headers, base, train,
                                    production, start)
        client.post(f"{base}/baselines", headers=headers,
                    json={"name": "training", "type": "static", "dataset_split": "train"})
        container.engine.catch_up_all(60.0)
        drift_ms, distribution_ms = latencies(client, headers, base, start, requests)
    container.close()
    plain, wide = ingest["plain"], ingest["wide"]
    return {
        "rows": total_rows, "columns": NUMERIC + CATEGORICAL,
        "ingest_rows_per_s": {"without inputs": round(total_rows / plain["seconds"]),
                              "with inputs": round(total_rows / wide["seconds"])},
        "ingest_with_over_without": round(plain["seconds"] / wide["seconds"], 2),
        "sending_rows_per_s": round(total_rows / wide["sending"]),
        "catch_up_rows_per_s": {name: round(total_rows / seconds)
                                for name, seconds in wide["catch_up"].items()
                                if name in ("performance", "inputs")},
        "drift_ms": {"p50": round(statistics.median(drift_ms), 1),
                     "p95": round(percentile(drift_ms, 95), 1)},
        "distribution_ms": {"p50": round(statistics.median(distribution_ms), 1),
                            "p95": round(percentile(distribution_ms, 95), 1)},
        "targets": {"ingest_with_over_without": TARGET_INGEST_RATIO,
                    "catch_up_rows_per_s": TARGET_CATCH_UP,
                    "drift_p95_ms": TARGET_DRIFT_P95_MS,
                    "distribution_p95_ms": TARGET_DISTRIBUTION_P95_MS},
    }


def create_model(client: TestClient[Any], headers: dict[str, str], name: str,
                 declared: list[dict[str, Any]]) -> str:
    names = [c["name"] for c in columns()]
    model = client.post("/api/v1/models", headers=headers, json={
        "name": name, "task": "binary_classification", "labels": ["no", "yes"],
        "inputs": names, **({"columns": declared} if declared else {})}).json()
    base = f"/api/v1/models/{model['id']}"
    client.post(f"{base}/versions", headers=headers, json={"version_id": "v1"})
    for status in ("training", "trained"):
        client.patch(f"{base}/versions/v1", headers=headers, json={"status": status})
    return base


def ingested(client: TestClient[Any], engine: Any, headers: dict[str, str], base: str,
             train: Rows, production: Rows, start: datetime) -> dict[str, Any]:
    """Sends the rows, then has every projection catch up, one after the other: the time of
    each part."""
    sent = time.perf_counter()
    for split, rows in (("train", train), ("production", production)):
        count = len(rows.scores)
        for first in range(0, count, BATCH):
            batch = rows.records(first, min(BATCH, count - first), start)
            answer = client.post(f"{base}/versions/v1/predictions", headers=headers,
                                 json={"dataset_split": split, "records": batch})
            assert answer.status_code == 202, answer.text
    sending = time.perf_counter() - sent
    caught: dict[str, float] = {}
    for name in engine.projections:
        began = time.perf_counter()
        while engine.catch_up(name, 5.0).applied_events:
            pass
        caught[name] = time.perf_counter() - began
    return {"sending": sending, "catch_up": caught,
            "seconds": sending + sum(caught.values())}


def latencies(client: TestClient[Any], headers: dict[str, str], base: str, start: datetime,
              requests: int) -> tuple[list[float], list[float]]:
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
    return drift_ms, distribution_ms


def evidently(python: str, train: Rows, production: Rows) -> dict[str, Any]:
    """Evidently's report on the training rows (reference) and the production rows
    (current), in its own interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        arrays = Path(folder) / "rows.npz"
        np.savez(arrays, reference_numeric=train.numeric,
                 reference_categorical=train.plans(), current_numeric=production.numeric,
                 current_categorical=production.plans())
        script = Path(__file__).with_name("evidently_drift.py")
        done = subprocess.run([python, str(script), str(arrays)], capture_output=True,
                              text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
