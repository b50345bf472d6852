"""Maps published rows through a model's spec into the prediction and label records v1 uses."""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from perfledger.domain.catalog.entry import label_text, threshold_of
from perfledger.domain.errors import InvalidInput
from perfledger.domain.performance.records import LabelRecord, PredictionRecord
from perfledger.domain.registry.model import Model
from perfledger.domain.validation import Problems
from perfledger.domain.vocabulary import Task

ROW_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "perfledger/v3-rows")


@dataclass
class MappedRows:
    """A call's (or a file chunk's) rows as records, and the event id of every row."""

    predictions: list[PredictionRecord] = field(default_factory=list)
    labels: list[LabelRecord] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)


class RowMapper:
    """Reads a row's columns by their roles in the spec: outputs, targets, inputs, id, time."""

    def __init__(self, model: Model) -> None:
        entry = model.entry or {}
        spec = entry.get("spec") or {}
        self.task = model.task
        self.labels = model.labels
        self.outputs: list[str] = spec.get("outputs") or []
        self.target: str | None = (spec.get("targets") or [None])[0]
        self.inputs: list[str] = spec.get("inputs") or []
        self.id_column: str | None = entry.get("event_id_col")
        self.ts_column: str | None = entry.get("event_ts_col")
        self.threshold = threshold_of(entry)
        self._check_outputs()

    @property
    def columns(self) -> set[str]:
        """Every column a row is read from."""
        named = [*self.outputs, self.target, *self.inputs, self.id_column, self.ts_column]
        return {name for name in named if name is not None}

    def _check_outputs(self) -> None:
        if self.task is Task.MULTICLASS_CLASSIFICATION and len(self.outputs) != len(self.labels):
            raise InvalidInput(
                f"The model's spec names {len(self.outputs)} outputs for {len(self.labels)}"
                " classes; a multiclass model needs one probability column per class"
            )
        if self.task.has_performance and not self.outputs:
            raise InvalidInput("The model's spec names no outputs, so rows carry no prediction")

    def map(self, rows: list[dict[str, Any]], update: bool, first_index: int = 0) -> MappedRows:
        problems = Problems()
        mapped = MappedRows()
        for index, row in enumerate(rows, start=first_index):
            if not isinstance(row, dict):
                problems.add(index, "event", "each event must be an object of column values")
                continue
            row_id = self._row_id(index, row, update, problems)
            mapped.event_ids.append(row_id)
            has_output = any(_present(row.get(name)) for name in self.outputs)
            if update and not has_output:
                self._label(index, row_id, row, mapped, problems)
            else:
                self._prediction(index, row_id, row, mapped, problems)
        problems.raise_if_any("Events rejected")
        return mapped

    def _row_id(self, index: int, row: dict[str, Any], update: bool, p: Problems) -> str:
        value = row.get(self.id_column) if self.id_column else None
        if _present(value):
            return label_text(value)
        if update:
            p.add(index, self.id_column or "event_id_col",
                  "an update names the row it changes by the model's event_id_col")
        # Derived from the row and its place in the call or file: sent again, it is the same
        # row, so the batch is the same and appends nothing.
        content = msgspec.json.encode(row, enc_hook=str)
        return str(uuid.uuid5(ROW_NAMESPACE, f"{index}/{hashlib.sha256(content).hexdigest()}"))

    def _prediction(
        self, index: int, row_id: str, row: dict[str, Any], out: MappedRows, p: Problems
    ) -> None:
        values = [_number(index, name, row.get(name), p) for name in self.outputs]
        record = PredictionRecord(row_id=row_id, features=self._features(row),
                                  timestamp=self._timestamp(index, row, p))
        truth = row.get(self.target) if self.target else None
        if self.task.is_classification:
            if any(value is None for value in values):
                return
            scores = [float(value) for value in values if value is not None]
            if self.task is Task.BINARY_CLASSIFICATION:
                record.score = scores[0]
                record.predicted_label = self.labels[1 if scores[0] >= self.threshold else 0]
            else:
                record.probabilities = dict(zip(self.labels, scores, strict=True))
                record.predicted_label = self.labels[scores.index(max(scores))]
            record.true_label = label_text(truth) if _present(truth) else None
        elif self.task is Task.REGRESSION:
            record.prediction = values[0]
            record.target = _number(index, self.target or "", truth, p) if _present(truth) else None
        out.predictions.append(record)

    def _label(
        self, index: int, row_id: str, row: dict[str, Any], out: MappedRows, p: Problems
    ) -> None:
        truth = row.get(self.target) if self.target else None
        if not _present(truth):
            p.add(index, self.target or "targets", "an update carries outputs or the target")
            return
        if self.task is Task.REGRESSION:
            out.labels.append(LabelRecord(row_id, target=_number(index, "target", truth, p)))
        else:
            out.labels.append(LabelRecord(row_id, true_label=label_text(truth)))

    def _features(self, row: dict[str, Any]) -> dict[str, Any] | None:
        features = {name: row[name] for name in self.inputs if name in row}
        return features or None

    def _timestamp(self, index: int, row: dict[str, Any], p: Problems) -> str | None:
        value = row.get(self.ts_column) if self.ts_column else None
        if not _present(value):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
            return datetime.fromtimestamp(seconds, UTC).isoformat()
        return str(value)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _number(index: int, name: str, value: Any, p: Problems) -> float | None:
    if isinstance(value, bool) or not _present(value):
        p.add(index, name, f"{name} must be a number")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        p.add(index, name, f"{name} must be a number, not {value!r}")
        return None
    if not math.isfinite(number):
        p.add(index, name, f"{name} must be a finite number")
        return None
    return number
