"""Benchmarks perfledger's HTTP ingestion, catch-up and summary queries on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from loadgen import HOST, PreparedRequest, RateResult, measure_get, run_requests, wrk_available

BENCH_DIR = Path(__file__).resolve().parent
PERFLEDGER = Path(sys.executable).parent / "perfledger"
ADMIN_URL = os.environ.get("PERFLEDGER_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
LABELS = ("neg", "pos")
VERSION_ID = "v1"
STARTUP_SECONDS = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_INGEST_POSTGRES = 30_000.0
TARGET_CATCH_UP = 50_000.0
TARGET_SUMMARY_RATIO = 0.6
TARGET_CATCH_UP_RSS_MB = 500.0


# Processes and machine counters.

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def machine_busy_seconds() -> float:
    """CPU seconds spent not idle, summed over all cores, since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def background_cpu_percent(seconds: float = 3.0) -> float:
    """How busy the machine is before a run starts (other users skew every figure)."""
    busy, started = machine_busy_seconds(), time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    return 100 * (machine_busy_seconds() - busy) / (elapsed * (os.cpu_count() or 1))


def cpu_probe_ms() -> float:
    """Best of three runs of a fixed pure-Python loop: how fast the vCPU is right now."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(2_000_000):
            total += i * i
        best = min(best, time.perf_counter() - started)
    return best * 1e3


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Service:
    """A server subprocess, killed (by its pid) when the context ends."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.argv = list(argv)
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Service:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def __exit__(self, *_: object) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_ready(self, port: int, path: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited; see {self.log}:\n"
                                   + self.log.read_text()[-2000:])
            with contextlib.suppress(OSError):
                status, _ = http_call(port, "GET", path)
                if status < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.argv} did not answer on port {port} in {STARTUP_SECONDS}s")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def http_call(port: int, method: str, path: str, body: Any = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        payload = None if body is None else msgspec.json.encode(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, (msgspec.json.decode(data) if data else None)
    finally:
        connection.close()


# Backends.

@contextlib.contextmanager
def backend_env(backend: str, workdir: Path) -> Iterator[dict[str, str]]:
    """Environment for a fresh, empty store; a PostgreSQL database is dropped afterwards."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PERFLEDGER_")}
    env["PERFLEDGER_DATA_DIR"] = str(workdir / "data")
    env["PERFLEDGER_JWT_SECRET"] = secrets.token_urlsafe(48)
    if backend == "sqlite":
        yield env
        return
    name = f"perfledger_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        base, _, _ = ADMIN_URL.rpartition("/")
        env["PERFLEDGER_DATABASE_URL"] = f"{base}/{name}"
        yield env
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def mint_token(env: dict[str, str], organization: str) -> str:
    output = subprocess.run(
        [str(PERFLEDGER), "token", "--org", organization, "--scope", "organization:admin",
         "--ttl", "86400"], env=env, capture_output=True, text=True, check=True, timeout=60)
    return output.stdout.strip().splitlines()[-1]


def create_trained_version(port: int, auth: dict[str, str], name: str = "bench-binary",
                           versions: Sequence[str] = (VERSION_ID,),
                           inputs: Sequence[str] = (),
                           columns: Sequence[dict[str, Any]] = ()) -> str:
    """A binary model with `versions`, each trained (declaring `columns`, if any); returns
    its id."""
    status, model = http_call(port, "POST", "/api/v1/models", {
        "name": name, "task": "binary_classification", "labels": list(LABELS),
        "positive_label": "pos", "inputs": list(inputs),
        **({"columns": list(columns)} if columns else {})}, auth)
    assert status == 201, (status, model)
    path = f"/api/v1/models/{model['id']}/versions"
    for version in versions:
        status, answer = http_call(port, "POST", path, {"version_id": version}, auth)
        assert status == 201, (status, answer)
        for state in ("training", "trained"):
            status, answer = http_call(port, "PATCH", f"{path}/{version}", {"status": state},
                                       auth)
            assert status == 200, (status, answer)
    return str(model["id"])


# Workload.

def prediction_bodies(batches: int, batch_size: int, seed: int, first_batch: int = 0
                      ) -> list[bytes]:
    """Encoded prediction batches: binary scores, labels and three features per row."""
    rng = random.Random(seed + first_batch)
    bodies = []
    for batch in range(first_batch, first_batch + batches):
        records = []
        for i in range(batch * batch_size, (batch + 1) * batch_size):
            truth = rng.random() < 0.4
            score = min(1.0, max(0.0, rng.gauss(0.65 if truth else 0.35, 0.2)))
            records.append({
                "row_id": f"row-{i:09d}",
                "predicted_label": LABELS[score >= 0.5],
                "score": round(score, 6),
                "true_label": LABELS[truth],
                "features": {"age": rng.randint(18, 90), "income": round(rng.random() * 1e5, 2),
                             "segment": "abc"[i % 3]},
            })
        bodies.append(msgspec.json.encode({"dataset_split": "test", "batch_id": f"b{batch:07d}",
                                           "records": records}))
    return bodies


@dataclass
class RunResult:
    backend: str
    rows: int
    batch_size: int
    connections: int
    ingest_rows_per_s: float = 0.0
    ingest_p50_ms: float = 0.0
    ingest_p95_ms: float = 0.0
    ingest_seconds: float = 0.0
    ingest_errors: int = 0
    ingest_cpu: dict[str, float] = field(default_factory=dict)
    body_bytes: int = 0
    catch_up_seconds: float = 0.0
    catch_up_rows_per_s: float = 0.0
    catch_up_calls: int = 0
    catch_up_breakdown: dict[str, float] = field(default_factory=dict)
    catch_up_rss_mb: float = 0.0
    catch_up_ru_maxrss_mb: float = 0.0
    catch_up_rss_settle_rise_mb: float = 0.0
    catch_up_complete: bool = False
    summary_ok: bool = False
    summary_bytes: int = 0
    bare_bytes: int = 0
    summary: RateResult | None = None
    summary_uncached: RateResult | None = None
    bare: RateResult | None = None
    server_rss_after_ingest_mb: float = 0.0
    server_rss_peak_mb: float = 0.0
    background_cpu_percent: float = 0.0
    cpu_probe_ms: list[float] = field(default_factory=list)
    summary_rounds: list[float] = field(default_factory=list)
    summary_cpu_ms: list[float] = field(default_factory=list)
    bare_cpu_ms: list[float] = field(default_factory=list)
    catch_up_cpu_seconds: float = 0.0
    bare_rounds: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        if self.summary is None or self.bare is None or not self.bare.per_second:
            return float("nan")
        return self.summary.per_second / self.bare.per_second

    @property
    def uncached_ratio(self) -> float:
        if self.summary_uncached is None or self.bare is None or not self.bare.per_second:
            return float("nan")
        return self.summary_uncached.per_second / self.bare.per_second


def ingest(result: RunResult, server: Service, port: int, auth: dict[str, str], model_id: str,
           args: argparse.Namespace) -> int:
    """Sends the batches; returns the event position of the last one."""
    path = f"/api/v1/models/{model_id}/versions/{VERSION_ID}/predictions"
    headers = {**auth, "Content-Type": "application/json"}
    warmup = prediction_bodies(args.connections, args.batch_size, args.seed, first_batch=0)
    batches = args_rows(result.rows, args.batch_size)
    bodies = prediction_bodies(batches, args.batch_size, args.seed, first_batch=len(warmup))
    result.body_bytes = len(bodies[0])
    requests = [PreparedRequest.build("POST", path, port, headers, body) for body in bodies]
    warm = run_requests(port, [PreparedRequest.build("POST", path, port, headers, body)
                               for body in warmup], args.connections, 120, keep_bodies=True)
    if warm.errors:
        raise RuntimeError(f"warm-up batches failed: {warm.errors}")
    server_cpu, own_cpu, busy = server.cpu_seconds(), own_cpu_seconds(), machine_busy_seconds()
    load = run_requests(port, requests, args.connections, args.max_ingest_seconds,
                        keep_bodies=True)
    result.ingest_cpu = {
        "server": server.cpu_seconds() - server_cpu,
        "client": own_cpu_seconds() - own_cpu,
        "machine": machine_busy_seconds() - busy,
    }
    result.ingest_seconds = load.seconds
    result.ingest_rows_per_s = load.sent * args.batch_size / load.seconds
    result.ingest_p50_ms = load.percentile(50) * 1e3
    result.ingest_p95_ms = load.percentile(95) * 1e3
    result.ingest_errors = sum(n for status, n in load.statuses.items() if status != 202)
    if load.errors:
        result.notes.append(f"ingestion errors: {load.errors}")
    if load.timed_out:
        result.notes.append(f"ingestion stopped at --max-ingest-seconds after {load.sent} batches")
    result.rows = (load.sent + len(warmup)) * args.batch_size
    positions: list[int] = [msgspec.json.decode(body)["position"]
                 for body in warm.bodies + load.bodies if body.startswith(b'{"accepted"')]
    return max(positions)


def args_rows(rows: int, batch_size: int) -> int:
    return max(1, -(-rows // batch_size))


def catch_up(result: RunResult, env: dict[str, str], args: argparse.Namespace,
             profile: Path | None) -> None:
    argv = [sys.executable, str(BENCH_DIR / "catchup.py"), "--budget", str(args.budget),
            "--max-seconds", str(args.max_catch_up_seconds)]
    if profile is not None:
        argv += ["--profile", str(profile)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True,
                          timeout=args.max_catch_up_seconds + 300)
    if done.returncode != 0:
        raise RuntimeError(f"catch-up failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    result.catch_up_seconds = report["seconds"]
    result.catch_up_rows_per_s = result.rows / report["seconds"]
    result.catch_up_calls = report["calls"]
    result.catch_up_breakdown = report["breakdown"]
    result.catch_up_rss_mb = report["peak_rss_kb"] / 1024
    result.catch_up_ru_maxrss_mb = report["ru_maxrss_kb"] / 1024
    result.catch_up_cpu_seconds = report["cpu_seconds"]
    result.catch_up_rss_settle_rise_mb = report["breakdown"].get("settle_peak_rise_kb", 0) / 1024
    result.catch_up_complete = report["caught_up"] and report["start_position"] == 0
    if not report["caught_up"]:
        result.notes.append(f"catch-up stopped at --max-catch-up-seconds: {report}")


def cpu_per_request_ms(service: Service, port: int, path: str, headers: dict[str, str],
                       args: argparse.Namespace) -> tuple[RateResult, float]:
    """One timed round, with the server's CPU per request (robust to other load)."""
    cpu = service.cpu_seconds()
    rate = measure_get(port, path, headers, args.summary_connections, args.summary_seconds)
    return rate, 1e3 * (service.cpu_seconds() - cpu) / max(1, rate.requests)


def query_summaries(result: RunResult, server: Service, port: int, auth: dict[str, str],
                    model_id: str, position: int, workdir: Path,
                    args: argparse.Namespace) -> None:
    path = (f"/api/v1/models/{model_id}/performance/summary"
            f"?dataset_split=test&min_position={position}")
    status, summary = http_call(port, "GET", path, headers=auth)
    body = msgspec.json.encode(summary)
    result.summary_bytes = len(body)
    result.summary_ok = (status == 200 and summary["sample_count"] == result.rows
                         and summary["labeled_count"] == result.rows)
    if not result.summary_ok:
        result.notes.append(f"unexpected summary ({status}): {summary}")
        return
    body_file = workdir / "summary.json"
    body_file.write_bytes(body)
    bare_port = free_port()
    bare_argv = [sys.executable, str(BENCH_DIR / "bare_app.py"), "--port", str(bare_port),
                 "--body-file", str(body_file)]
    bare_path = path.replace(f"/{model_id}/", f"/{uuid.uuid4()}/")
    with Service(bare_argv, dict(os.environ), workdir / "bare.log") as bare:
        bare.wait_ready(bare_port, bare_path)
        status, answer = http_call(bare_port, "GET", bare_path)
        result.bare_bytes = len(msgspec.json.encode(answer))
        warm = min(2.0, args.summary_seconds)
        measure_get(port, path, auth, args.summary_connections, warm)
        measure_get(bare_port, bare_path, {}, args.summary_connections, warm)
        summaries: list[RateResult] = []
        bares: list[RateResult] = []
        for _ in range(args.summary_rounds):  # alternate, so drift hits both alike
            rate, cpu_ms = cpu_per_request_ms(server, port, path, auth, args)
            summaries.append(rate)
            result.summary_cpu_ms.append(cpu_ms)
            rate, cpu_ms = cpu_per_request_ms(bare, bare_port, bare_path, {}, args)
            bares.append(rate)
            result.bare_cpu_ms.append(cpu_ms)
    result.summary = _median(summaries)
    result.bare = _median(bares)
    result.summary_rounds = [r.per_second for r in summaries]
    result.bare_rounds = [r.per_second for r in bares]
    if result.summary.non_2xx or result.bare.non_2xx:
        result.notes.append(f"non-2xx answers: summary {result.summary.non_2xx}, "
                            f"bare {result.bare.non_2xx}")


def query_uncached(result: RunResult, env: dict[str, str], auth: dict[str, str],
                   model_id: str, workdir: Path, args: argparse.Namespace) -> None:
    """The same query on a server that keeps no encoded answers: every request reads SQL."""
    port = free_port()
    argv = [str(PERFLEDGER), "serve", "--no-scheduler", "--host", HOST, "--port", str(port)]
    uncached_env = {**env, "PERFLEDGER_RESPONSE_CACHE_ENTRIES": "0"}
    path = f"/api/v1/models/{model_id}/performance/summary?dataset_split=test"
    with Service(argv, uncached_env, workdir / "server-uncached.log") as server:
        server.wait_ready(port, "/health")
        measure_get(port, path, auth, args.summary_connections, min(2.0, args.summary_seconds))
        result.summary_uncached = measure_get(port, path, auth, args.summary_connections,
                                              args.summary_seconds)


def _median(results: list[RateResult]) -> RateResult:
    ordered = sorted(results, key=lambda r: r.per_second)
    return ordered[(len(ordered) - 1) // 2]


def run_one(backend: str, rows: int, args: argparse.Namespace) -> RunResult:
    result = RunResult(backend, rows, args.batch_size, args.connections)
    workdir = Path(tempfile.mkdtemp(prefix=f"perfledger-bench-{backend}-"))
    try:
        _measure(result, backend, workdir, args)
    except Exception as error:  # report it, and go on with the next run
        result.notes.append(f"run failed: {error!r}")
        server_log = workdir / "server.log"
        if server_log.exists():
            result.notes.append("server log tail:\n" + server_log.read_text()[-3000:])
    finally:
        if args.keep_logs:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def _measure(result: RunResult, backend: str, workdir: Path, args: argparse.Namespace) -> None:
    rows = result.rows
    result.background_cpu_percent = background_cpu_percent()
    result.cpu_probe_ms.append(cpu_probe_ms())
    if result.background_cpu_percent > 10:
        result.notes.append(f"machine was {result.background_cpu_percent:.0f}% busy before the "
                            "run: other processes skew these figures")
    with backend_env(backend, workdir) as env:
        port = free_port()
        argv = [str(PERFLEDGER), "serve", "--no-scheduler", "--host", HOST, "--port",
                str(port)]
        with Service(argv, env, workdir / "server.log") as server:
            server.wait_ready(port, "/health")
            auth = {"Authorization": f"Bearer {mint_token(env, str(uuid.uuid4()))}"}
            model_id = create_trained_version(port, auth)
            log(f"{backend}/{rows}: ingesting")
            position = ingest(result, server, port, auth, model_id, args)
            result.server_rss_after_ingest_mb = server.peak_rss_mb()
            log(f"{backend}/{rows}: catching up {result.rows} rows (head {position})")
            profile = None
            if args.profile_dir is not None:
                profile = args.profile_dir / f"catchup-{backend}-{result.rows}.prof"
            catch_up(result, env, args, profile)
            log(f"{backend}/{rows}: summary queries")
            query_summaries(result, server, port, auth, model_id, position, workdir, args)
            result.server_rss_peak_mb = server.peak_rss_mb()
        if result.summary_ok:
            log(f"{backend}/{rows}: summary queries with the response cache off")
            query_uncached(result, env, auth, model_id, workdir, args)
        result.cpu_probe_ms.append(cpu_probe_ms())


# Reporting.

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               "unknown")
    mem_kb = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
    with psycopg.connect(ADMIN_URL) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "postgresql": row[0] if row else "?",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load tool": "wrk" if wrk_available() else "python asyncio client",
        "revision": revision(),
    }


def revision() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git)."""
    root = BENCH_DIR.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                                capture_output=True, check=True, timeout=30).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, text=True,
                                capture_output=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    changed = [line[3:] for line in status.splitlines() if not line[3:].startswith("bench/")]
    if not changed:
        return commit
    return f"{commit} + uncommitted changes to {len(changed)} paths outside bench/"


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    if value != value:  # NaN
        return "n/a"
    met = value >= target if higher_is_better else value < target
    if met:
        return "ok"
    return f"MISS by {abs(value - target) / target:.0%}"


def table(results: list[RunResult]) -> str:
    heads = [f"{r.backend} {r.rows:,}" for r in results]
    rows: list[tuple[str, list[str], str]] = []

    def add(label: str, cells: list[str], target: str = "") -> None:
        rows.append((label, cells, target))

    add("background cpu % before", [f"{r.background_cpu_percent:.0f}" for r in results])
    add("cpu probe ms before/after", ["/".join(f"{ms:.0f}" for ms in r.cpu_probe_ms)
                                      for r in results], "(lower is faster)")
    add("ingest rows/s", [f"{r.ingest_rows_per_s:,.0f}" for r in results], ">= 30,000 (pg)")
    add("  batch p50 / p95 ms", [f"{r.ingest_p50_ms:.0f} / {r.ingest_p95_ms:.0f}"
                                 for r in results])
    add("  cpu s server/client/all", [
        "{server:.1f}/{client:.1f}/{machine:.1f} of {wall:.1f}".format(
            wall=r.ingest_seconds * (os.cpu_count() or 1), **r.ingest_cpu) for r in results])
    add("  errors", [str(r.ingest_errors) for r in results])
    add("catch-up rows/s", [f"{r.catch_up_rows_per_s:,.0f}" for r in results], ">= 50,000")
    add("  seconds (calls)", [f"{r.catch_up_seconds:.1f} ({r.catch_up_calls})" for r in results])
    add("  cpu s of the catch-up process", [f"{r.catch_up_cpu_seconds:.1f}" for r in results])
    for name in ("registry", "performance", "history", "settle:performance"):
        add(f"  {name} s", [f"{r.catch_up_breakdown.get(name, 0.0):.1f}" for r in results])
    add("  peak RSS MB (VmHWM)", [f"{r.catch_up_rss_mb:,.0f}" for r in results],
        "< 500 at 1M rows")
    add("    of which raised in settles MB",
        [f"{r.catch_up_rss_settle_rise_mb:,.0f}" for r in results])
    add("    ru_maxrss MB (counts the parent)",
        [f"{r.catch_up_ru_maxrss_mb:,.0f}" for r in results])
    add("summary req/s", [f"{r.summary.per_second:,.0f}" if r.summary else "-" for r in results])
    add("bare req/s", [f"{r.bare.per_second:,.0f}" if r.bare else "-" for r in results])
    add("  rounds summary", [_spread(r.summary_rounds) for r in results])
    add("  rounds bare", [_spread(r.bare_rounds) for r in results])
    add("summary / bare", [f"{r.ratio:.2f}" for r in results], ">= 0.6")
    add("  summary req/s, response cache off", [
        f"{r.summary_uncached.per_second:,.0f}" if r.summary_uncached else "-"
        for r in results])
    add("  summary / bare, response cache off", [f"{r.uncached_ratio:.2f}" for r in results])
    add("  p50 ms summary / bare", [
        f"{r.summary.p50_ms:.1f} / {r.bare.p50_ms:.1f}" if r.summary and r.bare else "-"
        for r in results])
    add("  server cpu ms/req summary / bare", [
        f"{statistics.median(r.summary_cpu_ms):.2f} / {statistics.median(r.bare_cpu_ms):.2f}"
        if r.summary_cpu_ms and r.bare_cpu_ms else "-" for r in results])
    add("  body bytes summary / bare", [f"{r.summary_bytes} / {r.bare_bytes}" for r in results])
    add("server peak RSS MB", [f"{r.server_rss_peak_mb:,.0f}" for r in results])
    width = max(len(label) for label, _, _ in rows)
    cols = [max(len(h), *(len(cells[i]) for _, cells, _ in rows)) for i, h in enumerate(heads)]
    lines = [" ".join([" " * width, *(h.rjust(c) for h, c in zip(heads, cols, strict=True)),
                       " target"])]
    for label, cells, target in rows:
        lines.append(" ".join([label.ljust(width),
                               *(v.rjust(c) for v, c in zip(cells, cols, strict=True)),
                               f" {target}"]).rstrip())
    return "\n".join(lines)


def _spread(values: list[float]) -> str:
    return f"{min(values):,.0f}..{max(values):,.0f}" if values else "-"


def verdicts(results: list[RunResult]) -> list[str]:
    lines = []
    for r in results:
        name = f"{r.backend} {r.rows:,}"
        if r.backend == "postgres":
            rate = verdict(r.ingest_rows_per_s, TARGET_INGEST_POSTGRES)
            lines.append(f"{name}: ingestion {rate}")
        lines.append(f"{name}: catch-up {verdict(r.catch_up_rows_per_s, TARGET_CATCH_UP)}")
        lines.append(f"{name}: summary/bare {verdict(r.ratio, TARGET_SUMMARY_RATIO)}")
        if r.rows >= 1_000_000:
            lines.append(f"{name}: catch-up memory "
                         f"{verdict(r.catch_up_rss_mb, TARGET_CATCH_UP_RSS_MB, False)}")
        lines += [f"{name}: NOTE {note}" for note in r.notes]
        if not (r.summary_ok and r.catch_up_complete and r.ingest_errors == 0):
            lines.append(f"{name}: INVALID RUN (errors, incomplete catch-up or wrong summary)")
    return lines


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000],
                        help="rows to ingest; several sizes run one after the other "
                             "(e.g. --rows 200000 1000000 for the memory check)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=2,
                        help="concurrent keep-alive ingestion connections")
    parser.add_argument("--budget", type=float, default=1.0,
                        help="budget_seconds per catch_up_all call (the scheduler's is 1.0)")
    parser.add_argument("--summary-connections", type=int, default=8)
    parser.add_argument("--summary-seconds", type=float, default=10.0)
    parser.add_argument("--summary-rounds", type=int, default=3)
    parser.add_argument("--max-ingest-seconds", type=float, default=1800.0)
    parser.add_argument("--max-catch-up-seconds", type=float, default=3600.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile-dir", type=Path,
                        help="write a cProfile of each catch-up run here")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the server logs (the temporary directory)")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups
    if args.profile_dir is not None:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    info = machine()
    print(" | ".join(f"{key}: {value}" for key, value in info.items()))
    print("command: " + " ".join(sys.argv))
    print(f"catch-up budget_seconds per catch_up_all call: {args.budget:g}")
    results = []
    for backend in backends:
        for rows in args.rows:
            results.append(run_one(backend, rows, args))
    print()
    print(table(results))
    print()
    print("\n".join(verdicts(results)))
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": info, "argv": sys.argv,
                                         "results": [asdict(r) for r in results]}, indent=2))


if __name__ == "__main__":
    main()
