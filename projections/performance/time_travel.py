"""Time travel: a series' summary as the projections gave it at a past moment, from the log."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from perfledger.domain.errors import NotFound, Unprocessable
from perfledger.domain.performance.batches import batch_key
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp, parse_timestamp, to_micros
from perfledger.domain.vocabulary import Task, VersionStatus
from perfledger.projections.columns import FloatArray
from perfledger.projections.database import Database
from perfledger.projections.json import loads
from perfledger.projections.performance.codes import LabelCodes
from perfledger.projections.performance.metrics import (
    classification_metrics,
    confusion_matrix,
    regression_metrics,
)
from perfledger.projections.performance.queries import Summary
from perfledger.projections.performance.rows import prediction_rows

MAX_TIME_TRAVEL_ROWS = 2_000_000
_BATCH_KINDS = {"PredictionsRecorded": "predictions", "LabelsRecorded": "labels"}
# What a summary reads of a row (cf. perf_rows): indexes into a replayed row.
PRED, TRUE, SCORE, PROBA, PREDICTION, TARGET = range(6)


def model_as_of(ledger: Application[UUID], model_id: UUID, moment: datetime) -> Model | None:
    """The Model aggregate as its events up to `moment` left it; None before it was registered."""
    version = None
    for stored in ledger.recorder.select_events(model_id):
        event: Any = ledger.mapper.to_domain_event(stored)
        if event.timestamp > moment:
            break
        version = stored.originator_version
    if version is None:
        return None
    model: Aggregate = ledger.repository.get(model_id, version=version)
    assert isinstance(model, Model), f"{model_id} is not a model"
    return model


def resolve_as_of(
    ledger: Application[UUID], model_id: UUID, version_id: str | None, moment: datetime
) -> tuple[Model, str]:
    """The model then, and the version a query meant then: given, else promoted, else trained."""
    model, when = model_as_of(ledger, model_id, moment), format_timestamp(moment)
    if version_id is not None:
        if model is None or version_id not in model.versions:
            raise NotFound(f"Version '{version_id}' not found as of {when}")
        status = model.versions[version_id].status
        if status in (VersionStatus.DRAFT, VersionStatus.TRAINING):
            raise Unprocessable(
                f"Version '{version_id}' was '{status}' as of {when}; it had no performance yet"
            )
        return model, version_id
    if model is not None and model.promoted_version_id is not None:
        return model, model.promoted_version_id
    versions = [] if model is None else list(model.versions.values())  # in creation order
    trained = [v.version_id for v in versions if v.status is VersionStatus.TRAINED]
    if model is None or not trained:
        raise Unprocessable(f"Model '{model_id}' had no trained version as of {when}")
    return model, trained[-1]


@dataclass(frozen=True)
class BatchEntry:
    """A batch event as the history projection lists it."""

    position: int
    kind: str
    version_id: str
    split: str
    batch_id: str
    rows: int


def batches_as_of(db: Database, model_id: str, moment: datetime) -> list[BatchEntry]:
    """The model's batch events recorded at or before `moment`, in log order."""
    with db.read() as tx:
        found = tx.rows(
            "SELECT position, type, at, data FROM model_history"
            " WHERE model_id = ? AND type IN (?, ?) ORDER BY position",
            (model_id, *_BATCH_KINDS),
        )
    entries = []
    for position, kind, at, data in found:
        if parse_timestamp(at) <= moment:
            d = loads(data)
            entries.append(BatchEntry(int(position), _BATCH_KINDS[kind], d["version_id"],
                                      d["dataset_split"], d["batch_id"], int(d["rows"])))
    return entries


class ReplayCodes(LabelCodes):
    """The projection's label codes (declared, then first-seen), kept in memory, not a table."""

    def __init__(self, model_id: str, declared: list[str]) -> None:
        self._by_model = {model_id: {label: code for code, label in enumerate(declared)}}

    def of_model(self, model_id: str) -> dict[str, int]:
        return self._by_model[model_id]

    def code_of(self, model_id: str, label: str) -> int:
        codes = self._by_model[model_id]
        return codes.setdefault(label, len(codes))


@dataclass
class SeriesReplay:
    """One series' rows rebuilt by the performance projection's rules, event by event."""

    model: Model
    codes: ReplayCodes
    rows: dict[str, list[Any]] = field(default_factory=dict)
    pending: dict[str, list[Any]] = field(default_factory=dict)  # truth before its row
    last_event_at: datetime | None = None

    def predictions(self, position: int, event: Any, ours: bool) -> None:
        """Codes labels as the projection does; keeps the rows when the batch is ours."""
        made = prediction_rows(event, self.codes, str(self.model.task),
                               self.model.positive_label, 0, position, to_micros(event.timestamp))
        if not ours:
            return
        self.last_event_at = event.timestamp
        for _, row_id, pred, true, score, proba, _, prediction, target, *_ in made:
            # labels that came first join now; a re-sent row keeps truth it does not carry
            known = self.pending.pop(row_id, None) or self.rows.get(row_id) or [None] * 6
            self.rows[row_id] = [pred, known[TRUE] if true is None else true, score, proba,
                                 prediction, known[TARGET] if target is None else target]

    def labels(self, event: Any, ours: bool) -> None:
        codes = [self.codes.code(str(self.model.id), label) for label in event.true_labels]
        if not ours:
            return
        self.last_event_at = event.timestamp
        for row_id, code, target in zip(event.row_ids, codes, event.targets, strict=True):
            row = self.rows.get(row_id)
            if row is None:
                self.pending[row_id] = [None, code, None, None, None, target]
            else:
                row[TRUE], row[TARGET] = code, target


@dataclass(frozen=True)
class ReplayPlan:
    """What a time-travel answer reads: the model then, and the batches it replays. The log
    only grows, so two moments that read the same events give the same answer."""

    model: Model
    version_id: str
    split: str
    moment: datetime
    entries: list[BatchEntry]

    @property
    def key(self) -> tuple[Any, ...]:
        return (str(self.model.id), self.model.version, self.version_id, self.split,
                tuple(entry.position for entry in self.entries))


class ReplayCache:
    """The latest time-travel answers, by what they read; shared by a process's threads."""

    def __init__(self, capacity: int = 128) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[tuple[Any, ...], Summary] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Summary | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], summary: Summary) -> None:
        with self._lock:
            self._answers[key] = summary
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)


def plan_replay(db: Database, model: Model, version_id: str, split: str, moment: datetime
                ) -> ReplayPlan:
    """The batches a replay to `moment` reads, checked against the row bound before any is
    read from the log."""
    entries = batches_as_of(db, str(model.id), moment)
    series = (version_id, split)
    # without declared labels, codes depend on every batch of the model, in log order
    everything = model.task is Task.MULTICLASS_CLASSIFICATION and not model.labels
    replayed = [e for e in entries if everything or (e.version_id, e.split) == series]
    count = sum(entry.rows for entry in replayed)
    if count > MAX_TIME_TRAVEL_ROWS:
        scope = ("rows of all the model's versions and splits (it declares no labels, so each"
                 " may add one)" if everything else "rows of this version and split")
        raise Unprocessable(
            f"Time travel to {format_timestamp(moment)} would replay {count} {scope}, more than"
            f" the limit of {MAX_TIME_TRAVEL_ROWS}. A later as_of only replays more; ask a"
            " narrower question: an earlier as_of, or the current (cached) summary without as_of",
            {"rows": count, "limit": MAX_TIME_TRAVEL_ROWS},
        )
    return ReplayPlan(model, version_id, split, moment, replayed)


def summary_as_of(ledger: Application[UUID], plan: ReplayPlan) -> Summary:
    """Replays the planned batches from the log: O(the series' rows then)."""
    model, series = plan.model, (plan.version_id, plan.split)
    replay = SeriesReplay(model, ReplayCodes(str(model.id), list(model.labels)))
    for entry in plan.entries:
        key = batch_key(entry.kind, model.id, entry.version_id, entry.split, entry.batch_id)
        event = ledger.mapper.to_domain_event(ledger.recorder.select_events(key, limit=1)[0])
        ours = (entry.version_id, entry.split) == series
        if entry.kind == "predictions":
            replay.predictions(entry.position, event, ours)
        else:
            replay.labels(event, ours)
    return _summarise(replay, plan.version_id, plan.split, format_timestamp(plan.moment))


def _summarise(replay: SeriesReplay, version_id: str, split: str, when: str) -> Summary:
    """The metrics refresh_summary computes, over the replayed rows that have ground truth."""
    model = replay.model
    truth = TRUE if model.task.is_classification else TARGET
    labeled = [row for _, row in sorted(replay.rows.items()) if row[truth] is not None]
    if not labeled or replay.last_event_at is None:
        raise Unprocessable(
            f"Version '{version_id}' had no labeled rows in the '{split}' split as of {when}"
        )
    at = format_timestamp(replay.last_event_at)
    if not model.task.is_classification:
        metrics = regression_metrics(_floats(labeled, TARGET), _floats(labeled, PREDICTION))
        return Summary("regression", metrics, len(replay.rows), len(labeled), at, None)
    labels = list(replay.codes.of_model(str(model.id)))  # insertion order is code order
    positive = None
    if model.task is Task.BINARY_CLASSIFICATION:
        positive = labels.index(model.positive_label) if model.positive_label is not None else 1
    true_codes = np.array([row[TRUE] for row in labeled], dtype=np.int64)
    pred_codes = np.array([row[PRED] for row in labeled], dtype=np.int64)
    scores = _floats(labeled, SCORE) if positive is not None else None
    metrics = classification_metrics(
        true_codes, pred_codes, len(labels), positive, scores, _vectors(labeled, len(labels))
    )
    confusion = {"labels": labels, "matrix": confusion_matrix(true_codes, pred_codes, len(labels))}
    return Summary("classification", metrics, len(replay.rows), len(labeled), at, confusion)


def _floats(rows: list[list[Any]], column: int) -> FloatArray:
    return np.array([row[column] for row in rows], dtype=np.float64)  # None becomes NaN


def _vectors(rows: list[list[Any]], width: int) -> FloatArray | None:
    """As read_vectors: NaN for rows without probabilities, 0 for labels coded after the row."""
    blobs = [row[PROBA] for row in rows]
    if all(blob is None for blob in blobs):
        return None
    if all(blob is not None and len(blob) == width * 8 for blob in blobs):
        return np.frombuffer(b"".join(blobs), dtype=np.float64).reshape(-1, width)
    matrix = np.full((len(blobs), width), np.nan)
    for i, blob in enumerate(blobs):
        if blob is not None:
            vector = np.frombuffer(blob, dtype=np.float64)
            matrix[i, : vector.size] = vector
            matrix[i, vector.size :] = 0.0
    return matrix
