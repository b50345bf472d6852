"""Benchmarks misclassification-error queries on a version with 1M predictions and 100k errors."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.domain.performance.records import PredictionRecord
from perfledger.domain.values import Caller, ModelDefinition
from perfledger.domain.vocabulary import DatasetSplit, Task, VersionStatus
from perfledger.projections.storage import StorageConfig

ADMIN_URL = os.environ.get("PERFLEDGER_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
LABELS = ["cat", "dog", "fox"]
SECRET = "bench-secret-" + "z" * 32
QUERIES = {
    "no filter": {},
    "true_label=cat": {"true_label": "cat"},
    "true+predicted": {"true_label": "dog", "predicted_label": "fox"},
    "min_confidence=0.9": {"min_confidence": 0.9},
}


def load(settings: Settings, rows: int, error_rate: float) -> str:
    """Records `rows` predictions (about error_rate wrong) and catches the projections up."""
    container = build_container(settings)
    caller = Caller(str(uuid.uuid4()))
    model, _ = container.ledger.register_model(caller, ModelDefinition(
        "zoo", Task.MULTICLASS_CLASSIFICATION, labels=tuple(LABELS), inputs=("weight",)))
    container.ledger.create_version(caller, model.id, "v1")
    for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
        container.ledger.change_version_status(caller, model.id, "v1", status)
    rng = random.Random(1)
    started = time.perf_counter()
    for start in range(0, rows, 10_000):
        records = []
        for i in range(start, min(start + 10_000, rows)):
            truth = rng.choice(LABELS)
            wrong = rng.random() < error_rate
            predicted = rng.choice([x for x in LABELS if x != truth]) if wrong else truth
            p = rng.uniform(0.34, 1.0)
            rest = (1 - p) / 2
            records.append(PredictionRecord(
                row_id=f"r{i}", predicted_label=predicted, true_label=truth,
                probabilities={x: p if x == predicted else rest for x in LABELS},
                features={"weight": i % 97, "colour": "grey"}))
        container.ledger.record_predictions(caller, model.id, "v1", DatasetSplit.TEST, records)
    print(f"recorded {rows} rows in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    while container.engine.visible_position(list(container.engine.projections)) \
            < container.engine.log.head():
        container.engine.catch_up_all(60)
    print(f"caught up in {time.perf_counter() - started:.1f} s", flush=True)
    container.close()
    return f"{caller.organization_id}/{model.id}"


def measure(url: str, token: str, model_id: str, calls: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for name, params in QUERIES.items():
            path = f"/api/v1/models/{model_id}/performance/misclassification-errors"
            http.get(path, params=params).raise_for_status()  # warm
            timings[name] = []
            for _ in range(calls):
                started = time.perf_counter()
                answer = http.get(path, params={**params, "limit": 50})
                timings[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200 and answer.json()["returned"] == 50
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--error-rate", type=float, default=0.1)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--vacuum", action="store_true", help="VACUUM ANALYZE before measuring")
    args = parser.parse_args()
    name = f"perfledger_bench_{uuid.uuid4().hex[:8]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = f"{base}/{name}"
    data_dir = Path(tempfile.mkdtemp(prefix="perfledger-bench-"))
    server = None
    try:
        settings = Settings(StorageConfig(data_dir, url), SECRET, False)
        org, model_id = load(settings, args.rows, args.error_rate).split("/")
        if args.vacuum:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
        port = 8765
        env = {**os.environ, "PERFLEDGER_DATABASE_URL": url, "PERFLEDGER_JWT_SECRET": SECRET,
               "PERFLEDGER_DATA_DIR": str(data_dir), "PERFLEDGER_PORT": str(port)}
        server = subprocess.Popen([sys.executable, "-m", "perfledger.api.cli", "serve",
                                   "--no-scheduler"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health")
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        timings = measure(f"http://127.0.0.1:{port}", mint_token(SECRET, org, [ADMIN]),
                          model_id, args.calls)
        print(f"\nPostgreSQL, {args.rows} rows, {args.error_rate:.0%} misclassified, limit 50,"
              f" {args.calls} calls each, vacuumed: {args.vacuum}")
        print(f"{'query':<22}{'p50 ms':>10}{'p95 ms':>10}")
        for query, values in timings.items():
            p95 = statistics.quantiles(values, n=20)[18]
            print(f"{query:<22}{statistics.median(values):>10.1f}{p95:>10.1f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
