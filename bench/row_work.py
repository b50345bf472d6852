"""Times the per-row Python work of one 1,000-row prediction batch, without a server or a
database: decoding the request body, checking and shaping the records (ingest), and turning
the recorded batch into rows of the performance view (catch-up). Best of `--rounds`.

    python bench/row_work.py

Run it with another checkout's interpreter on the same machine to compare two revisions.
"""

from __future__ import annotations

import argparse
import datetime
import time
import uuid
from collections.abc import Callable
from types import SimpleNamespace

import msgspec
from run import machine, revision
from windows import production_bodies

from perfledger.api.v1.rows import PredictionBatchIn
from perfledger.domain.performance.records import ModelTraits, prediction_columns
from perfledger.domain.vocabulary import Task
from perfledger.projections.performance.rows import prediction_rows


class FixedCodes:
    """Label codes as the projection's table would give them, without a database."""

    def codes_of(self, model_id: str, labels: list[str | None]) -> list[int | None]:
        return [None if label is None else ("neg", "pos").index(label) for label in labels]

    def of_model(self, model_id: str) -> dict[str, int]:
        return {"neg": 0, "pos": 1}


def best_ms(work: Callable[[int], object], rounds: int) -> float:
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - started)
    return min(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(" | ".join(f"{key}: {value}" for key, value in machine().items()))
    print(f"revision {revision()}")
    end = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    bodies = production_bodies(0, 1_000 * args.rounds, 30, end, 7, "v1")  # tagged, timed rows
    decoder = msgspec.json.Decoder(PredictionBatchIn)
    batches = [decoder.decode(body) for body in bodies]
    traits = ModelTraits(Task.BINARY_CLASSIFICATION, ["neg", "pos"], ["amount"])
    columns = [prediction_columns(traits, batch.records) for batch in batches]
    events = [SimpleNamespace(model_id=uuid.uuid4(), probabilities=[None] * len(c.row_ids),
                              **{name: value for name, value in vars(c).items()
                                 if name != "probabilities"})
              for c in columns]
    figures = {
        "decode the body": best_ms(lambda i: decoder.decode(bodies[i]), args.rounds),
        "check and shape the records (ingest)": best_ms(
            lambda i: prediction_columns(traits, batches[i].records), args.rounds),
        "rows of the performance view (catch-up)": best_ms(
            lambda i: prediction_rows(events[i], FixedCodes(), "binary_classification",  # type: ignore[arg-type]
                                      "pos", 1, i, 0), args.rounds),
    }
    print("| work per 1,000-row batch | ms |")
    print("|---|---|")
    for name, ms in figures.items():
        print(f"| {name} | {ms:.2f} |")


if __name__ == "__main__":
    main()
