"""Benchmarks monitor evaluation and webhook delivery on PostgreSQL, in one process.

    python bench/monitors.py --models 10 --monitors-per-model 100 --rows-per-model 6000

1. `--models` binary models, each with a promoted version and `--rows-per-model` labeled
   production rows over the last 30 days, and `--monitors-per-model` daily monitors each
   (value, previous and version comparisons; thresholds that fire on a few days).
2. Evaluation: the first evaluation (every monitor judges its 30 days), then one after a
   batch into every model and its settle (every monitor's data moved: all are judged again),
   then one with nothing changed (all skipped). Each is timed end to end.
3. Delivery: `--webhooks` webhooks subscribed to every alert event, posting to a local
   receiver answering 200; the alerts of step 2 become deliveries, and the scheduler's
   delivery task sends them; deliveries per second over the whole drain.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from run import backend_env, log, machine

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.domain.aggregate import acting
from perfledger.domain.monitoring.rules import (
    CompareToPrevious,
    CompareToValue,
    CompareToVersion,
    MonitorRule,
)
from perfledger.domain.performance.records import PredictionRecord
from perfledger.domain.values import Caller, ModelDefinition
from perfledger.domain.vocabulary import DatasetSplit, Task, VersionStatus
from perfledger.scheduler.evaluation import evaluate_monitors
from perfledger.scheduler.tasks import TaskContext, deliver_webhooks
from perfledger.scheduler.webhooks.delivery import Deliverer
from perfledger.scheduler.webhooks.log import delivery_counts

LABELS = ("neg", "pos")
DAYS = 30


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def records(rng: random.Random, first: int, count: int, now: datetime, accuracy: dict[int, float]
            ) -> list[PredictionRecord]:
    found = []
    for i in range(first, first + count):
        day = i % DAYS
        truth = LABELS[rng.random() < 0.5]
        right = rng.random() < accuracy.get(day, 0.9)
        predicted = truth if right else LABELS[truth == "neg"]
        moment = now - timedelta(days=DAYS - day, minutes=rng.randrange(1440))
        found.append(PredictionRecord(row_id=f"r{i}", predicted_label=predicted,
                                      true_label=truth, score=rng.random(),
                                      timestamp=moment.isoformat()))
    return found


def rules(count: int) -> list[MonitorRule]:
    kinds = [CompareToValue(), CompareToPrevious(buckets_back=7),
             CompareToVersion(version_id="v2")]
    found = []
    for i in range(count):
        compare = kinds[i % 3]
        warning, critical = ((0.8, 0.7) if isinstance(compare, CompareToValue) else
                             (-0.1, -0.2))
        found.append(MonitorRule(name=f"m{i}", metric=["accuracy", "f1_score", "recall"][i % 3],
                                 compare_to=compare, warning=warning, critical=critical,
                                 min_labeled=10))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--monitors-per-model", type=int, default=100)
    parser.add_argument("--rows-per-model", type=int, default=6000)
    parser.add_argument("--webhooks", type=int, default=4)
    args = parser.parse_args()
    log(f"machine: {machine()}")
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as workdir, \
            backend_env("postgres", Path(workdir)) as env:
        env["PERFLEDGER_WEBHOOK_ALLOW"] = "127.0.0.1:*"
        settings = Settings.from_env(env)
        container = build_container(settings)
        ledger, engine = container.ledger, container.engine
        caller, rng, now = Caller(str(uuid.uuid4())), random.Random(5), datetime.now(UTC)
        with acting("bench"):
            for i in range(args.webhooks):
                ledger.register_webhook(caller, f"hook {i}", receiver.url,
                                        ["alert.raised", "alert.escalated", "alert.eased",
                                         "alert.resolved"], None)
            for m in range(args.models):
                model, _ = ledger.register_model(caller, ModelDefinition(
                    f"model-{m}", Task.BINARY_CLASSIFICATION, labels=LABELS))
                for version in ("v1", "v2"):
                    ledger.create_version(caller, model.id, version)
                    for status in (VersionStatus.TRAINING, VersionStatus.TRAINED):
                        ledger.change_version_status(caller, model.id, version, status)
                    drift = {20 + m % 5: 0.6, 25: 0.75} if version == "v1" else {}
                    for first in range(0, args.rows_per_model, 1000):
                        ledger.record_predictions(
                            caller, model.id, version, DatasetSplit.PRODUCTION,
                            records(rng, first, min(1000, args.rows_per_model - first), now,
                                    drift))
                ledger.promote_version(caller, model.id, "v1", "bench")
                for rule in rules(args.monitors_per_model):
                    ledger.create_monitor(caller, model.id, rule)
            engine.catch_up_all(budget_seconds=3600)
            monitors = args.models * args.monitors_per_model
            log(f"{args.models} models, {monitors} monitors, {args.rows_per_model} rows each")

            def timed(label: str) -> None:
                started = time.perf_counter()
                found = evaluate_monitors(engine, ledger)
                seconds = time.perf_counter() - started
                log(f"evaluation, {label}: {seconds:.3f} s; {found.monitors} monitors judged,"
                    f" {found.transitions} transitions appended")
                engine.catch_up_all(budget_seconds=600)

            timed("first (30 buckets each, alerts raised)")
            models = [str(model_id) for (model_id,) in container.database.read().__enter__()
                      .rows("SELECT model_id FROM registry_models")]
            for model_id in models:  # a batch into every model: every series moves
                ledger.record_predictions(caller, uuid.UUID(model_id), "v1",
                                          DatasetSplit.PRODUCTION,
                                          records(rng, 10**6, 50, now, {}))
            engine.catch_up_all(budget_seconds=600)
            timed("after a batch into every model and its settle")
            timed("nothing changed")

        deliverer = Deliverer(container.database, container.services.monitoring.allowance)
        context = TaskContext(engine, ledger, container.positions, deliverer=deliverer)
        started = time.perf_counter()
        while True:
            run = deliver_webhooks(context)
            if not run.delivered and not delivery_counts(container.database)["pending"]:
                break
        seconds = time.perf_counter() - started
        counts = delivery_counts(container.database)
        log(f"delivery: {counts['delivered']} deliveries to {args.webhooks} webhooks in"
            f" {seconds:.2f} s = {counts['delivered'] / seconds:.0f}/s (receiver saw"
            f" {receiver.count}); {counts}")
        deliverer.close()
        container.close()
    receiver.server.shutdown()


if __name__ == "__main__":
    main()
