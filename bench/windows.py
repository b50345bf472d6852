"""Benchmarks performance over time on PostgreSQL: timeseries, segments and compare latency
over a large tagged production series, and reads under live ingestion into another model.

    python bench/windows.py --rows 1000000 --shared 500000 --days 90

1. A server with its scheduler ingests `--rows` predictions for v1 over `--days` days (three
   tags, a numeric input, 85% labeled) and v2's predictions for the last `--shared` of them.
2. A server that keeps no cached answers measures each query's latency, one request at a
   time (every request does the query's whole work).
3. Under a steady ingestion into a second model (`--mixed-rate` batches of 1,000 rows a
   second), the first server's summary and timeseries reads are measured against the bare
   Litestar endpoint answering the same bodies, alternating, as `bench/run.py` does.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import msgspec
from loadgen import HOST, PreparedRequest, measure_get, run_requests
from run import (
    BENCH_DIR,
    LABELS,
    PERFLEDGER,
    Service,
    backend_env,
    create_trained_version,
    free_port,
    http_call,
    log,
    machine,
    mint_token,
    revision,
)

REGIONS = ["eu", "us", "apac", "latam", "africa"]
PLANS = ["free", "pro", "enterprise"]
DEVICES = ["ios", "android", "web", "api"]
BATCH = 1000
TARGETS_MS = {"timeseries, 90 daily points": 30, "timeseries, 2,160 hourly points": 150,
              "segments by tag, whole split": 100, "compare, shared rows": 500}


def production_bodies(first_row: int, rows: int, days: int, end: datetime.datetime,
                      seed: int, version: str) -> list[bytes]:
    """Batches of tagged rows spread over the `days` before `end`; the same row has the same
    time, tags and truth in every version."""
    bodies = []
    for batch_start in range(first_row, first_row + rows, BATCH):
        records = []
        for i in range(batch_start, min(first_row + rows, batch_start + BATCH)):
            row = random.Random(seed * 1_000_003 + i)  # per row: the same for both versions
            truth = row.random() < 0.4
            labeled = row.random() < 0.85
            moment = end - datetime.timedelta(seconds=row.uniform(0, days * 86400))
            tags = {"region": row.choice(REGIONS), "plan": row.choice(PLANS),
                    "device": row.choice(DEVICES)}
            skill = 0.2 if version == "v1" else 0.23
            score = min(1.0, max(0.0, row.gauss(0.5 + (skill if truth else -skill), 0.2)))
            records.append({
                "row_id": f"row-{i:09d}", "predicted_label": LABELS[score >= 0.5],
                "score": round(score, 6), "timestamp": moment.isoformat(), "tags": tags,
                "features": {"amount": round(row.lognormvariate(3, 1), 2)},
                **({"true_label": LABELS[truth]} if labeled else {}),
            })
        bodies.append(msgspec.json.encode({"dataset_split": "production",
                                           "batch_id": f"{version}-{batch_start}",
                                           "records": records}))
    return bodies


def ingest(port: int, auth: dict[str, str], model_id: str, version: str,
           bodies: list[bytes]) -> int:
    path = f"/api/v1/models/{model_id}/versions/{version}/predictions"
    headers = {**auth, "Content-Type": "application/json"}
    load = run_requests(port, [PreparedRequest.build("POST", path, port, headers, body)
                               for body in bodies], 2, 3600, keep_bodies=True)
    if load.errors or any(status != 202 for status in load.statuses):
        raise RuntimeError(f"ingestion failed: {load.errors} {load.statuses}")
    log(f"  {version}: {len(bodies) * BATCH:,} rows in {load.seconds:.1f} s"
        f" ({len(bodies) * BATCH / load.seconds:,.0f} rows/s)")
    return max(msgspec.json.decode(body)["position"] for body in load.bodies)


def wait_projected(port: int, auth: dict[str, str], model_id: str, position: int) -> float:
    started = time.monotonic()
    path = (f"/api/v1/models/{model_id}/performance/summary?dataset_split=production"
            f"&min_position={position}")
    while True:
        status, _ = http_call(port, "GET", path, headers=auth)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.5)


def latencies(port: int, auth: dict[str, str], paths: str | list[str], count: int
              ) -> list[float]:
    """Seconds per round of GETs of `paths` (one, or several read together), one at a time."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    found = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            for path in [paths] if isinstance(paths, str) else paths:
                connection.request("GET", path, headers=auth)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
            found.append(time.perf_counter() - started)
    finally:
        connection.close()
    return found


def iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


class SteadyIngestion:
    """Sends 1,000-row batches into a model at a fixed rate from a thread."""

    def __init__(self, port: int, auth: dict[str, str], model_id: str, rate: float,
                 end: datetime.datetime) -> None:
        self.port, self.auth, self.rate, self.end = port, auth, rate, end
        self.path = f"/api/v1/models/{model_id}/versions/v1/predictions"
        self.sent = 0
        self.late = 0
        # Made beforehand: the sender's own work must not slow the rate it keeps.
        self._batches = [msgspec.json.decode(body)["records"]
                         for body in production_bodies(10_000_000, BATCH * 16, 1, end, 99, "v1")]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SteadyIngestion:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {**self.auth, "Content-Type": "application/json"}
        interval, next_at = 1.0 / self.rate, time.monotonic()
        while not self._stop.is_set():
            records = self._batches[self.sent % len(self._batches)]
            for i, record in enumerate(records):  # new rows every time
                record["row_id"] = f"steady-{self.sent}-{i}"
            body = msgspec.json.encode({"dataset_split": "production",
                                        "batch_id": f"steady-{self.sent}", "records": records})
            connection.request("POST", self.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 202:
                raise RuntimeError(f"steady ingestion: {response.status}")
            self.sent += 1
            next_at += interval
            pause = next_at - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)
            else:
                self.late += 1


def mixed_load(port: int, auth: dict[str, str], model_id: str, other: str,
               args: argparse.Namespace, end: datetime.datetime, workdir: Path,
               layout: str, write_port: int | None = None) -> list[str]:
    """Reads from `port` while batches go to `write_port` (default: the same process)."""
    reads = {
        "summary": f"/api/v1/models/{model_id}/performance/summary?dataset_split=production",
        "timeseries, 30 daily points": f"/api/v1/models/{model_id}/performance/timeseries"
                                       f"?end={end.date().isoformat()}",
    }
    lines = []
    for name, path in reads.items():
        status, body = http_call(port, "GET", path, headers=auth)
        assert status == 200, (status, body)
        body_file = workdir / "bare-body.json"
        body_file.write_bytes(msgspec.json.encode(body))
        bare_port = free_port()
        bare_path = f"/api/v1/models/{uuid.uuid4()}/performance/summary"
        argv = [sys.executable, str(BENCH_DIR / "bare_app.py"), "--port", str(bare_port),
                "--body-file", str(body_file)]
        with Service(argv, {}, workdir / "bare.log") as bare, \
                SteadyIngestion(write_port or port, auth, other, args.mixed_rate, end) as steady:
            bare.wait_ready(bare_port, bare_path)
            ours, theirs = [], []
            for _ in range(args.mixed_rounds):  # alternate, so drift hits both alike
                ours.append(measure_get(port, path, auth, args.connections, args.seconds))
                theirs.append(measure_get(bare_port, bare_path, {}, args.connections,
                                          args.seconds))
            achieved = steady.sent
        ratio = statistics.median(o.per_second / t.per_second for o, t in zip(ours, theirs,
                                                                              strict=True))
        lines.append(f"| {name} | {layout} |"
                     f" {statistics.median(o.per_second for o in ours):,.0f} |"
                     f" {statistics.median(t.per_second for t in theirs):,.0f} | {ratio:.2f} |"
                     f" {achieved} batches ({steady.late} late) |")
        log(lines[-1])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shared", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=60, help="per latency measurement")
    parser.add_argument("--mixed-only", action="store_true",
                        help="skip the latency measurements (and their server)")
    parser.add_argument("--mixed-rate", type=float, default=10.0)
    parser.add_argument("--mixed-rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--switch-interval-ms", type=int,
                        help="the servers' PERFLEDGER_SWITCH_INTERVAL_MS (default: theirs)")
    args = parser.parse_args()
    info = machine()
    print(" | ".join(f"{key}: {value}" for key, value in info.items()))
    print(f"revision {revision()}; command: {' '.join(sys.argv)}")
    end = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp, backend_env("postgres", Path(tmp)) as env:
        if args.switch_interval_ms is not None:
            env["PERFLEDGER_SWITCH_INTERVAL_MS"] = str(args.switch_interval_ms)
        workdir = Path(tmp)
        organization = str(uuid.uuid4())
        auth = {"Authorization": f"Bearer {mint_token(env, organization)}"}
        port = free_port()
        serve = [str(PERFLEDGER), "serve", "--host", HOST, "--port", str(port)]
        with Service(serve, env, workdir / "server.log") as server:
            server.wait_ready(port, "/health")
            model_id = create_trained_version(port, auth, "bench-windows", ["v1", "v2"],
                                              ["amount"])
            other = create_trained_version(port, auth, "bench-other", ["v1"], ["amount"])
            log(f"ingesting {args.rows:,} rows over {args.days} days, and v2 on {args.shared:,}")
            ingest(port, auth, model_id, "v1", production_bodies(0, args.rows, args.days, end,
                                                                 7, "v1"))
            last = ingest(port, auth, model_id, "v2", production_bodies(
                args.rows - args.shared, args.shared, args.days, end, 7, "v2"))
            waited = wait_projected(port, auth, model_id, last)
            log(f"projected {waited:.1f} s after the last batch was accepted")

            uncached_port = free_port()
            uncached = [str(PERFLEDGER), "serve", "--no-scheduler", "--host", HOST, "--port",
                        str(uncached_port)]
            uncached_env = {**env, "PERFLEDGER_RESPONSE_CACHE_ENTRIES": "0"}
            base = f"/api/v1/models/{model_id}/performance"
            first_day = (end - datetime.timedelta(days=args.days - 1)).date().isoformat()
            queries = {
                "timeseries, 90 daily points":
                    f"{base}/timeseries?start={first_day}&end={end.date().isoformat()}"
                    "T23:59:59Z",
                # The contract answers at most 1,000 buckets a request: 90 days of hours is
                # three requests of 720 (timed together below).
                "timeseries, 2,160 hourly points": [
                    f"{base}/timeseries?bucket=hour&start={iso(end - datetime.timedelta(days=d))}"
                    f"&end={iso(end - datetime.timedelta(days=d - 30))}" for d in (90, 60, 30)],
                "segments by tag, whole split": f"{base}/segments?by=region",
                "compare, shared rows": f"{base}/compare?baseline=v1&candidate=v2",
            }
            rows = []
            if args.mixed_only:
                queries = {}
            with Service(uncached, uncached_env, workdir / "uncached.log") as cold:
                cold.wait_ready(uncached_port, "/health")
                for name, paths in queries.items():
                    size = 0
                    for path in [paths] if isinstance(paths, str) else paths:
                        status, body = http_call(uncached_port, "GET", path, headers=auth)
                        assert status == 200, (status, body)
                        size += (len(body.get("points", [])) or len(body.get("segments", []))
                                 or body.get("shared_rows"))
                    found = latencies(uncached_port, auth, paths, args.requests)
                    p50, p95 = percentile(found, 50) * 1e3, percentile(found, 95) * 1e3
                    rows.append(f"| {name} | {size:,} | {p50:.1f} | {p95:.1f} |"
                                f" {max(found) * 1e3:.1f} | < {TARGETS_MS[name]} |")
                    log(rows[-1])
            log(f"mixed load: {args.mixed_rate:g} batches/s into another model,"
                " scheduler in the serving process")
            mixed = mixed_load(port, auth, model_id, other, args, end, workdir,
                               "scheduler in process")
            # The scale-out layout: an API process without the scheduler; the first server's
            # scheduler (the leader) catches up in a process of its own, as a worker would.
            api_port = free_port()
            api_only = [str(PERFLEDGER), "serve", "--no-scheduler", "--host", HOST, "--port",
                        str(api_port)]
            with Service(api_only, env, workdir / "api-only.log") as api:
                api.wait_ready(api_port, "/health")
                log("mixed load: the same, read from an API process without the scheduler")
                mixed += mixed_load(api_port, auth, model_id, other, args, end, workdir,
                                    "API process, scheduler in another")
                log("mixed load: reads from that API process, writes to the other one")
                mixed += mixed_load(api_port, auth, model_id, other, args, end, workdir,
                                    "reads and writes on two API processes", port)
    print()
    print("| query (no cached answers) | points / segments / shared rows | p50 ms | p95 ms |"
          " max ms | target p95 ms |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| read under ingestion | layout | req/s | bare req/s | ratio | ingestion achieved |")
    print("|---|---|---|---|---|---|")
    print("\n".join(mixed))


if __name__ == "__main__":
    main()
