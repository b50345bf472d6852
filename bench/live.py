"""Benchmarks how fresh a busy series' summary stays: sustained ingestion into one series on
PostgreSQL with the scheduler run by `perfledger serve`, and how far the summary trails it.
With `--inputs`, its input statistics: each row carries 25 inputs (20 numeric, 5
categorical) the model declares, and the rows counted are those the day's data integrity
counts.

    python bench/live.py --rows 10000000 --connections 2
    python bench/live.py --rows 1000000 --inputs --rate 5000

1. `perfledger serve` (its scheduler in a worker process of its own, or with `--scheduler
   thread` in a thread of the server) and one binary model with a trained version.
2. `--connections` threads post 1,000-row batches into its `production` split (85% carry
   their label, a tenth of the rows replace earlier ones) until `--rows` were accepted: as
   fast as the server takes them, or at a steady `--rate` rows a second.
3. Meanwhile a poller reads the summary's `sample_count` every `--poll` seconds and the
   server's resident memory (with its worker process's). The lag in rows is what was
   accepted minus what the summary counts; the lag in seconds is how long ago the accepted
   count was what the summary shows.
4. Reported per tenth of the run and overall: ingest rows/s, lag (rows and seconds,
   p50/p95/max), and memory; then how long after the last write the summary counted it all.
"""

from __future__ import annotations

import argparse
import bisect
import http.client
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from loadgen import HOST
from run import (
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
from windows import percentile

BATCH = 1000


NUMERIC_INPUTS, CATEGORICAL_INPUTS = 20, 5
PLANS = ("free", "pro", "team", "enterprise")
INPUT_COLUMNS = [*({"name": f"x{i}", "type": "float", "min": -4.0, "max": 4.0}
                   for i in range(NUMERIC_INPUTS)),
                 *({"name": f"c{i}", "type": "category", "categories": list(PLANS)}
                   for i in range(CATEGORICAL_INPUTS))]


def batch_body(first_row: int, seed: int, replace_from: int, inputs: bool = False
               ) -> tuple[bytes, int]:
    """A batch of rows `first_row`..., a tenth of them replaced by rows seen before (below
    `replace_from`), with the 25 inputs if asked; and how many new row ids it brings."""
    rng = random.Random(seed)
    records, used = [], set()
    for i in range(first_row, first_row + BATCH):
        row = i
        if replace_from and i % 10 == 7:  # rows ending in 7 replace earlier ones that exist
            row = rng.randrange(replace_from)
            row = i if row in used or row % 10 == 7 else row
        used.add(row)
        truth = rng.random() < 0.4
        score = min(1.0, max(0.0, rng.gauss(0.7 if truth else 0.3, 0.2)))
        records.append({"row_id": f"row-{row:09d}", "predicted_label": LABELS[score >= 0.5],
                        "score": round(score, 4),
                        **({"true_label": LABELS[truth]} if rng.random() < 0.85 else {}),
                        **({"features": features(rng)} if inputs else {})})
    body = msgspec.json.encode({"dataset_split": "production", "batch_id": f"b{first_row}",
                                "records": records})
    return body, sum(1 for row in used if row >= first_row)


def features(rng: random.Random) -> dict[str, float | str]:
    drawn: dict[str, float | str] = {f"x{i}": round(rng.gauss(0, 1), 4)
                                     for i in range(NUMERIC_INPUTS)}
    drawn.update({f"c{i}": rng.choice(PLANS) for i in range(CATEGORICAL_INPUTS)})
    return drawn


@dataclass
class Progress:
    """Accepted batches over time, and the summary's count over time."""

    accepted: list[tuple[float, int]] = field(default_factory=lambda: [(time.monotonic(), 0)])
    samples: list[tuple[float, int, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_row: int = 0
    distinct: int = 0
    rate: float = 0.0  # rows a second; 0: as fast as the server takes them

    def claim(self, rows: int) -> int | None:
        """The first row of the next batch to send (after waiting for its turn at `rate`)."""
        with self.lock:
            if self.next_row >= rows:
                return None
            first, self.next_row = self.next_row, self.next_row + BATCH
        if self.rate:
            due = self.accepted[0][0] + first / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
        return first

    def accept(self, new_rows: int) -> None:
        with self.lock:
            self.distinct += new_rows
            self.accepted.append((time.monotonic(), self.distinct))

    def accepted_at(self, count: int) -> float:
        """When the accepted distinct rows first reached `count`."""
        with self.lock:
            counts = [c for _, c in self.accepted]
            index = bisect.bisect_left(counts, count)
            return self.accepted[min(index, len(self.accepted) - 1)][0]


def writer(port: int, auth: dict[str, str], model_id: str, rows: int,
           progress: Progress, inputs: bool) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    path = f"/api/v1/models/{model_id}/versions/v1/predictions"
    headers = {"Content-Type": "application/json", **auth}
    while (first := progress.claim(rows)) is not None:
        body, new_rows = batch_body(first, first, first // 2, inputs)
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 202, answer.status
        progress.accept(new_rows)  # the series counts distinct row ids


def resident_mb(pid: int) -> float:
    """The resident memory of the process and of its children (the worker process, where
    the scheduler runs in one)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        children = " ".join(path.read_text() for path in Path(f"/proc/{pid}/task").glob(
            "*/children"))
    except OSError:  # the process is gone
        return total
    return total + sum(resident_mb(int(child)) for child in children.split())


def poll(port: int, auth: dict[str, str], model_id: str, pid: int, progress: Progress,
         interval: float, stop: threading.Event, inputs: bool) -> None:
    """Samples what the summary counts (with `inputs`: the rows the input statistics count
    over the days around now)."""
    path = (f"/api/v1/models/{model_id}/performance/summary?version_id=v1"
            "&dataset_split=production")
    if inputs:
        today = datetime.now(UTC).date()
        path = (f"/api/v1/models/{model_id}/inputs/integrity?version_id=v1&columns=x0"
                f"&start={today - timedelta(days=1)}&end={today + timedelta(days=2)}")
    while not stop.wait(interval):
        status, body = http_call(port, "GET", path, headers=auth)
        counted = 0 if status != 200 else sum(p["sample_count"] for p in body["points"]) \
            if inputs else int(body["sample_count"])
        with progress.lock:
            accepted = progress.distinct
        progress.samples.append((time.monotonic(), accepted, counted, resident_mb(pid)))


def report(progress: Progress, started: float, parts: int) -> list[str]:
    lines = ["| part | rows accepted | ingest rows/s | lag rows p50 / p95 / max |"
             " lag s p50 / p95 / max | server MB max |", "|---|---|---|---|---|---|"]
    samples = progress.samples
    chunks = [samples[i * len(samples) // parts:(i + 1) * len(samples) // parts]
              for i in range(parts)] + [samples]
    for number, chunk in enumerate(chunks, 1):
        if not chunk:
            continue
        lag_rows = [float(accepted - counted) for _, accepted, counted, _ in chunk]
        lag_s = [max(0.0, moment - progress.accepted_at(counted + 1))
                 if counted < accepted else 0.0 for moment, accepted, counted, _ in chunk]
        seconds = chunk[-1][0] - (chunk[0][0] if number <= parts else started)
        rate = (chunk[-1][1] - chunk[0][1]) / seconds if seconds > 0 and number <= parts \
            else chunk[-1][1] / max(seconds, 1e-9)
        name = f"{number}/{parts}" if number <= parts else "all"
        lines.append(
            f"| {name} | {chunk[-1][1]:,} | {rate:,.0f} |"
            f" {percentile(lag_rows, 50):,.0f} / {percentile(lag_rows, 95):,.0f} /"
            f" {max(lag_rows):,.0f} | {percentile(lag_s, 50):.1f} / {percentile(lag_s, 95):.1f}"
            f" / {max(lag_s):.1f} | {max(s[3] for s in chunk):.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--poll", type=float, default=0.25)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="rows a second to send (0: as fast as the server takes them)")
    parser.add_argument("--scheduler", choices=("process", "thread"),
                        help="where the server runs its scheduler (default: its own default)")
    parser.add_argument("--inputs", action="store_true",
                        help="rows carry 25 declared inputs; watch the input statistics")
    parser.add_argument("--switch-interval-ms", type=int,
                        help="the servers' PERFLEDGER_SWITCH_INTERVAL_MS (default: theirs)")
    args = parser.parse_args()
    print(" | ".join(f"{key}: {value}" for key, value in machine().items()))
    print(f"revision {revision()}; command: {' '.join(sys.argv)}")
    with tempfile.TemporaryDirectory() as tmp, backend_env("postgres", Path(tmp)) as env:
        if args.switch_interval_ms is not None:
            env["PERFLEDGER_SWITCH_INTERVAL_MS"] = str(args.switch_interval_ms)
        auth = {"Authorization": f"Bearer {mint_token(env, str(uuid.uuid4()))}"}
        port = free_port()
        serve = [str(PERFLEDGER), "serve", "--host", HOST, "--port", str(port),
                 *(["--scheduler", args.scheduler] if args.scheduler else [])]
        with Service(serve, env, Path(tmp) / "server.log") as server:
            server.wait_ready(port, "/health")
            model_id = create_trained_version(
                port, auth, "bench-live",
                inputs=[c["name"] for c in INPUT_COLUMNS] if args.inputs else (),
                columns=INPUT_COLUMNS if args.inputs else ())
            progress, stop = Progress(rate=args.rate), threading.Event()
            poller = threading.Thread(target=poll, args=(port, auth, model_id, server.pid,
                                                         progress, args.poll, stop,
                                                         args.inputs))
            poller.start()
            started = time.monotonic()
            writers = [threading.Thread(target=writer, args=(port, auth, model_id, args.rows,
                                                             progress, args.inputs))
                       for _ in range(args.connections)]
            for thread in writers:
                thread.start()
            while any(thread.is_alive() for thread in writers):
                time.sleep(5)
                log(f"{progress.distinct:,} distinct rows accepted;"
                    f" summary counts {progress.samples[-1][2] if progress.samples else 0:,}")
            last_write = time.monotonic()
            while progress.samples[-1][2] < progress.distinct:
                time.sleep(args.poll)
            caught_up = progress.samples[-1][0] - last_write
            stop.set()
            poller.join()
    print()
    print("\n".join(report(progress, started, args.parts)))
    watched = "input statistics" if args.inputs else "summary"
    print(f"\nthe {watched} counted every row {caught_up:.1f} s after the last write was"
          " accepted")


if __name__ == "__main__":
    main()
