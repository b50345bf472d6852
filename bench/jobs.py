"""Benchmarks the v2 jobs dialect: event ingestion, catch-up, and job metrics on a 1M-event job."""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from loadgen import HOST, PreparedRequest, run_requests
from run import (
    BENCH_DIR,
    PERFLEDGER,
    Service,
    backend_env,
    background_cpu_percent,
    free_port,
    http_call,
    machine,
    mint_token,
    revision,
)

DECISIONS = ["Drop", "Investigate", "Escalate"]
DAYS = 30
START_MICROS = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
TARGET_INGEST = 20_000.0
TARGET_UNFILTERED_P95_MS = 20.0
TARGET_FILTERED_P95_MS = 1_000.0
FILTERS = [{"field": "source.ip", "operator": "starts with", "value": "10.1."},
           {"field": "severity", "operator": "gte", "value": 5}]


def event_bodies(batches: int, size: int, seed: int) -> list[bytes]:
    """Batches of decided events spread over DAYS days, with nested fields to filter on."""
    rng = random.Random(seed)
    users = [f"user{i}" for i in range(50)]
    span = DAYS * 86_400
    bodies = []
    for b in range(batches):
        events = [{
            "event_id": f"b{b}-{i}", "decision": rng.choice(DECISIONS),
            "confidence": round(rng.random(), 3),
            "timestamp": _iso(START_MICROS // 1_000_000 + rng.randrange(span)),
            "bucket_id": f"bucket-{rng.randrange(500)}",
            "fields": {"source": {"ip": f"10.{rng.randrange(4)}.{rng.randrange(256)}.{i % 256}"},
                       "severity": rng.randrange(10), "user": rng.choice(users)},
        } for i in range(size)]
        bodies.append(msgspec.json.encode({"events": events, "batch_id": f"batch-{b}"}))
    return bodies


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def catch_up(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "catchup.py"), "--budget", "600",
         "--max-seconds", "3600"], env=env, capture_output=True, text=True, check=True)
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def timed_posts(port: int, path: str, body: Any, auth: dict[str, str], count: int
                ) -> list[float]:
    """Sequential requests on one keep-alive connection; latencies in milliseconds."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    payload = msgspec.json.encode(body)
    headers = {**auth, "Content-Type": "application/json"}
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("POST", path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        latencies.append((time.perf_counter() - started) * 1e3)
        assert response.status == 200, data[:500]
    connection.close()
    return latencies


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend, "events": args.events}
    with tempfile.TemporaryDirectory() as workdir, backend_env(backend, Path(workdir)) as env:
        auth = {"Authorization": f"Bearer {mint_token(env, str(uuid.uuid4()))}"}
        batches = -(-args.events // args.batch_size)
        bodies = event_bodies(batches, args.batch_size, args.seed)
        result["background_cpu_percent"] = background_cpu_percent()
        # Step: ingestion through the API alone (no scheduler), two keep-alive connections.
        port = free_port()
        with Service([str(PERFLEDGER), "serve", "--no-scheduler", "--port", str(port)], env,
                     Path(workdir) / "ingest.log") as server:
            server.wait_ready(port, "/health")
            status, job = http_call(port, "POST", "/api/v2/jobs",
                                    {"title": "bench", "decisions": DECISIONS}, auth)
            assert status == 201, job
            path = f"/api/v2/jobs/{job['job_id']}/events"
            headers = {**auth, "Content-Type": "application/json"}
            load = run_requests(port, [PreparedRequest.build("POST", path, port, headers, body)
                                       for body in bodies], args.connections, 3600)
            assert not load.errors, load.errors
            result["ingest_events_per_s"] = load.sent * args.batch_size / load.seconds
            result["ingest_batch_p50_ms"] = load.percentile(50) * 1e3
            result["ingest_batch_p95_ms"] = load.percentile(95) * 1e3
        # Step: the projections take the events in, in a process of their own.
        report = catch_up(env)
        result["catch_up_seconds"] = report["seconds"]
        result["catch_up_events_per_s"] = args.events / report["seconds"]
        # Step: feedback, a training and changed minds, with the scheduler running.
        port = free_port()
        with Service([str(PERFLEDGER), "serve", "--port", str(port)], env,
                     Path(workdir) / "serve.log") as server:
            server.wait_ready(port, "/health")
            add_feedback_and_train(port, auth, job["job_id"], batches, args)
            metrics = f"/api/v2/metrics/job?job_id={job['job_id']}"
            timed_posts(port, metrics, {}, auth, 5)  # warm-up
            unfiltered = timed_posts(port, metrics, {}, auth, args.queries)
            result["unfiltered_p50_ms"] = percentile(unfiltered, 50)
            result["unfiltered_p95_ms"] = percentile(unfiltered, 95)
            ranged = (f"{metrics}&start_datetime=2025-01-03T05:17:00Z"
                      "&end_datetime=2025-01-24T18:42:00Z")
            ranged_times = timed_posts(port, ranged, {}, auth, args.queries)
            result["unfiltered_range_p95_ms"] = percentile(ranged_times, 95)
            week = (f"{metrics}&start_datetime=2025-01-08T00:00:00Z"
                    "&end_datetime=2025-01-15T00:00:00Z")
            for label, url in (("filtered_week", week), ("filtered_all", metrics)):
                times = timed_posts(port, url, {"filters": FILTERS}, auth, args.filtered_queries)
                result[f"{label}_p50_ms"] = percentile(times, 50)
                result[f"{label}_p95_ms"] = percentile(times, 95)
            status, answer = http_call(port, "POST", week, {"filters": FILTERS}, auth)
            result["filtered_week_events"] = answer["total_events"]
    return result


def add_feedback_and_train(port: int, auth: dict[str, str], job_id: int, batches: int,
                           args: argparse.Namespace) -> None:
    rng = random.Random(args.seed + 1)
    picked = [(f"b{rng.randrange(batches)}-{rng.randrange(args.batch_size)}",
               rng.choice(DECISIONS), rng.choice(["ana", "ben", "cy"]))
              for _ in range(args.feedback)]
    requests = [PreparedRequest.build(
        "PUT", f"/api/v2/events/{job_id}/{event_id}/feedback?feedback_label={label}&user={user}",
        port, auth) for event_id, label, user in picked]
    done = run_requests(port, requests, 2, 3600)
    assert not done.errors, done.errors
    status, trained = http_call(port, "POST", f"/api/v2/jobs/{job_id}/train", None, auth)
    assert status == 200, trained
    changed = [PreparedRequest.build(
        "PUT", f"/api/v2/events/{job_id}/{event_id}/feedback?feedback_label={label}&user=zed",
        port, auth) for event_id, label, _ in picked[: args.feedback // 10]]
    done = run_requests(port, changed, 2, 3600, keep_bodies=True)
    assert not done.errors, done.errors
    last = max(msgspec.json.decode(body)["position"] for body in done.bodies)
    wait = f"/api/v2/jobs/{job_id}?min_position={last}"
    while (status := http_call(port, "GET", wait, None, auth)[0]) != 200:
        assert status == 503, status


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--feedback", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--filtered-queries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(json.dumps({"machine": machine(), "revision": revision()}), flush=True)
    for backend in backends:
        result = run_backend(backend, args)
        result["verdicts"] = {
            "ingest >= 20k events/s": result["ingest_events_per_s"] >= TARGET_INGEST,
            "unfiltered p95 < 20 ms": result["unfiltered_p95_ms"] < TARGET_UNFILTERED_P95_MS,
            "filtered (week) p95 < 1 s": result["filtered_week_p95_ms"] < TARGET_FILTERED_P95_MS,
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
