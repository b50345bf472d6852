"""Benchmarks `GET /v3/models` (filtered pages of 50) over 50,000 models on each backend."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
import psycopg

from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.api.v3.model_requests import ModelCreate, entry_of
from perfledger.domain.values import Caller
from perfledger.projections.storage import StorageConfig

ADMIN_URL = os.environ.get("PERFLEDGER_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-" + "z" * 32
PROJECTS = 10
COLUMNS = [{"name": "x", "data_type": "float"}, {"name": "p", "data_type": "float"},
           {"name": "y", "data_type": "category", "categories": ["no", "yes"]}]


def body(index: int, projects: list[str]) -> dict[str, Any]:
    """Ten projects, 1,000 names each, five versions of each name (at 50,000 models)."""
    return {
        "name": f"model{(index // PROJECTS) % 1000:04d}", "project_id": projects[index % PROJECTS],
        "version": f"v{index // (PROJECTS * 1000) + 1}", "input_type": "structured",
        "task": "binary_classification", "schema": {"columns": COLUMNS},
        "spec": {"inputs": ["x"], "outputs": ["p"], "targets": ["y"]},
        "description": f"scores churn, revision {index}", "algorithm": "gbm",
        "status": "INACTIVE" if index % 9 == 0 else "LIVE",
    }


def load(settings: Settings, count: int) -> tuple[str, list[str]]:
    container = build_container(settings)
    caller = Caller(str(uuid.uuid4()))
    ledger = container.ledger
    projects = [str(ledger.create_project(caller, f"team{i}")[0].id) for i in range(PROJECTS)]
    started = time.perf_counter()
    for start in range(0, count, 500):
        aggregates: list[Any] = []
        added: dict[str, list[uuid.UUID]] = {project: [] for project in projects}
        for index in range(start, min(start + 500, count)):
            data = msgspec.convert(body(index, projects), ModelCreate)
            model, claim = ledger.onboarding(caller, uuid.UUID(data.project_id), data.name,
                                             data.task, entry_of(data))
            aggregates += [model, claim]
            added[data.project_id].append(model.id)
        for project, model_ids in added.items():
            aggregates += ledger.models_added(caller, uuid.UUID(project), model_ids)
        ledger.save(*aggregates)
    print(f"  recorded {count} models in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    while container.engine.visible_position(["catalog"]) < container.engine.log.head():
        container.engine.catch_up("catalog", 60)
    print(f"  catalog caught up in {time.perf_counter() - started:.1f} s", flush=True)
    if settings.storage.database_url is not None:
        # What autovacuum does for a table that has settled; without it, the fresh table's
        # dead row versions (an insert, then the entry's update) cost every count a heap visit.
        with psycopg.connect(settings.storage.database_url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    container.close()
    return caller.organization_id, projects


def rule(field: str, operator: str, value: Any) -> dict[str, Any]:
    return {"field": field, "operator": operator, "value": value}


def queries(projects: list[str]) -> dict[str, dict[str, Any]]:
    def where(*rules: dict[str, Any]) -> str:
        return json.dumps({"condition": "AND", "rules": list(rules)})

    p = projects[3]
    return {
        "from_name (project+name)": {"filter": where(rule("project_id", "equal", p),
                                                     rule("name", "equal", "model0421")),
                                     "ordering": "created_at", "limit": 1},
        "list project": {"filter": where(rule("project_id", "equal", p))},
        "list project, offset 2000": {"filter": where(rule("project_id", "equal", p)),
                                      "offset": 2000},
        "latest_only in project": {"project_id": p, "latest_only": "true"},
        "version in, -created_at": {"filter": where(rule("version", "in", ["v2", "v4"])),
                                    "ordering": "-created_at"},
        "name begins_with": {"filter": where(rule("name", "begins_with", "model04"))},
        "status+not_contains": {"filter": where(rule("status", "equal", "INACTIVE"),
                                                rule("description", "not_contains", "7"))},
        "search": {"search": "REVISION 4242"},
    }


Timings = dict[str, list[float]]
Items = dict[str, int]


def measure(url: str, token: str, projects: list[str], calls: int) -> tuple[Timings, Items]:
    """Each query's latencies and how many models its page held (the queries are written for
    50,000 models; with fewer, some pages are empty)."""
    timings: Timings = {}
    items: Items = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for name, params in queries(projects).items():
            params = {"limit": 50, **params}
            http.get("/v3/models", params=params).raise_for_status()  # warm
            timings[name] = []
            for _ in range(calls):
                started = time.perf_counter()
                answer = http.get("/v3/models", params=params)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
            items[name] = answer.json()["data"]["item_count"]
    return timings, items


def serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PERFLEDGER_JWT_SECRET": SECRET, "PERFLEDGER_PORT": str(port),
           "PERFLEDGER_DATA_DIR": str(settings.storage.data_dir)}
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    server = subprocess.Popen([sys.executable, "-m", "perfledger.api.cli", "serve",
                               "--no-scheduler"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health")
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def run(backend: str, count: int, calls: int) -> tuple[Timings, Items]:
    print(f"{backend}: {count} models", flush=True)
    data_dir = Path(tempfile.mkdtemp(prefix="perfledger-bench-v3-"))
    database, url = f"perfledger_bench_{uuid.uuid4().hex[:8]}", None
    if backend == "postgres":
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {database}")
        url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    server = None
    try:
        settings = Settings(StorageConfig(data_dir, url), SECRET, False)
        org, projects = load(settings, count)
        server = serve(settings, 8766)
        return measure("http://127.0.0.1:8766", mint_token(SECRET, org, [ADMIN]), projects,
                       calls)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if url is not None:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--models", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = {backend: run(backend, args.models, args.calls) for backend in backends}
    print(f"\nGET /v3/models, {args.models} models, pages of 50, {args.calls} calls each (ms)")
    print(f"{'query':<28}{'items':>6}"
          + "".join(f"{b + ' p50':>14}{b + ' p95':>14}" for b in backends))
    for name, items in results[backends[0]][1].items():
        row = ""
        for backend in backends:
            values = results[backend][0][name]
            p95 = statistics.quantiles(values, n=20)[18]
            row += f"{statistics.median(values):>14.1f}{p95:>14.1f}"
        print(f"{name:<28}{items:>6}{row}")


if __name__ == "__main__":
    main()
