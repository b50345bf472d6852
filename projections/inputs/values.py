"""A batch's rows as the inputs projection keeps them, and each column's values of them.

A row is kept as its batch gave it (its features' JSON text, its outputs), so a row replaced
later can take back exactly the contribution it made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from perfledger.domain.inputs.columns import ColumnSpec
from perfledger.domain.performance.batches import PredictionBatch
from perfledger.domain.timestamps import stored_micros, to_micros
from perfledger.projections.json import dumps, loads

PROBABILITY = "probability."
_decode = msgspec.json.Decoder()


@dataclass(frozen=True)
class KeptRows:
    """Rows of one series, column by column as stored."""

    row_ids: list[str]
    ts: list[int]
    features: list[str | None]
    predicted_labels: list[str | None]
    scores: list[float | None]
    predictions: list[float | None]
    probabilities: list[str | None]  # JSON objects: label -> probability
    tags: list[str | None]  # JSON objects: tag name -> value

    def __len__(self) -> int:
        return len(self.row_ids)

    def stored(self, series_id: int) -> list[tuple[Any, ...]]:
        n = len(self.row_ids)
        return list(zip([series_id] * n, self.row_ids, self.ts, self.features,
                        self.predicted_labels, self.scores, self.predictions,
                        self.probabilities, self.tags, strict=True))

    def values(self, columns: Sequence[ColumnSpec]) -> dict[str, list[Any]]:
        """Each column's value of every row (None: missing)."""
        decoded = [None if text is None else _object(text) for text in self.features]
        probabilities = [None if text is None else loads(text) for text in self.probabilities]
        found: dict[str, list[Any]] = {}
        for column in columns:
            name = column.name
            if name == "predicted_label":
                found[name] = list(self.predicted_labels)
            elif name == "score":
                found[name] = list(self.scores)
            elif name == "prediction":
                found[name] = list(self.predictions)
            elif name.startswith(PROBABILITY):
                label = name[len(PROBABILITY):]
                found[name] = [None if p is None else p.get(label) for p in probabilities]
            else:
                found[name] = [None if row is None else row.get(name) for row in decoded]
        return found


STORED_COLUMNS = ("series_id", "row_id", "ts", "features", "predicted_label", "score",
                  "prediction", "probabilities", "tags")
_FIELDS = ("row_ids", "ts", "features", "predicted_labels", "scores", "predictions",
           "probabilities", "tags")


def _object(text: str) -> dict[str, Any] | None:
    value = _decode.decode(text)
    return value if isinstance(value, dict) else None


def rows_of_batch(event: PredictionBatch.Recorded) -> KeptRows:
    """The batch's rows; of rows sharing an id, the last (as the performance rows keep it)."""
    ts = stored_micros(event.timestamps, to_micros(event.timestamp))
    labels = event.probability_labels
    probabilities = [None if p is None else dumps(dict(zip(labels, p, strict=False)))
                     for p in event.probabilities] if labels else [None] * len(event.row_ids)
    tags = [None if t is None else dumps(t) for t in event.tags]
    last = {row_id: i for i, row_id in enumerate(event.row_ids)}
    keep = sorted(last.values()) if len(last) < len(event.row_ids) else range(len(ts))
    return KeptRows([event.row_ids[i] for i in keep], [ts[i] for i in keep],
                    [event.features[i] for i in keep],
                    [event.predicted_labels[i] for i in keep],
                    [event.scores[i] for i in keep], [event.predictions[i] for i in keep],
                    [probabilities[i] for i in keep], [tags[i] for i in keep])


def latest_of(parts: Sequence[KeptRows]) -> KeptRows:
    """The rows of batches one after the other: of rows sharing an id, the last."""
    if len(parts) == 1:
        return parts[0]
    last: dict[str, tuple[int, int]] = {}
    for p, part in enumerate(parts):
        for i, row_id in enumerate(part.row_ids):
            last[row_id] = (p, i)
    picks = sorted(last.values())
    return KeptRows(*([getattr(parts[p], name)[i] for p, i in picks] for name in _FIELDS))


def rows_from(found: Sequence[Sequence[Any]]) -> KeptRows:
    """Rows read back as `STORED_COLUMNS[1:]` (without the series)."""
    if not found:
        return KeptRows([], [], [], [], [], [], [], [])
    row_ids, ts, features, predicted, scores, predictions, probabilities, tags = zip(
        *found, strict=True)
    return KeptRows([str(r) for r in row_ids], [int(t) for t in ts], list(features),
                    list(predicted), [None if s is None else float(s) for s in scores],
                    [None if p is None else float(p) for p in predictions],
                    list(probabilities), list(tags))


def carrying(rows: KeptRows, tags: dict[str, str]) -> KeptRows:
    """The rows carrying every one of `tags`."""
    chosen = [i for i, text in enumerate(rows.tags)
              if text is not None and _carries(loads(text), tags)]
    return KeptRows(*([getattr(rows, name)[i] for i in chosen] for name in _FIELDS))


def _carries(found: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(found.get(name) == value for name, value in wanted.items())
