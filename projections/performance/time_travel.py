"""Time travel: a series' summary as it was at a past moment, replayed from the log.

The replay applies the performance projection itself (its `apply` and `settle`, the same
functions the catch-up runs) to an in-memory view holding only that model's rows, and reads
the summary with the same query: the rules are written once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from perfledger.domain.errors import NotFound, Unprocessable
from perfledger.domain.performance.batches import batch_key
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp, parse_timestamp
from perfledger.domain.vocabulary import Task, VersionStatus
from perfledger.projections.database import Database, SQLiteDatabase, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.generations import point_views
from perfledger.projections.json import loads
from perfledger.projections.performance.projection import PerformanceProjection
from perfledger.projections.performance.queries import Summary, summary_in
from perfledger.projections.projection import Projection, Tables

MAX_TIME_TRAVEL_ROWS = 2_000_000
T = TypeVar("T")
_BATCH_KINDS = {"PredictionsRecorded": "predictions", "LabelsRecorded": "labels"}


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
        self._answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], answer: Any) -> None:
        with self._lock:
            self._answers[key] = answer
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
    """The series' summary as the planned batches left it."""

    def read(tx: Tx) -> Summary:
        try:
            return summary_in(tx, str(plan.model.id), plan.version_id, plan.split)
        except Unprocessable:
            when = format_timestamp(plan.moment)
            raise Unprocessable(f"Version '{plan.version_id}' had no labeled rows in the"
                                f" '{plan.split}' split as of {when}") from None

    return replay_as_of(ledger, plan, read)


def replay_as_of(ledger: Application[UUID], plan: ReplayPlan, read: Callable[[Tx], T]) -> T:
    """Applies the model's registration and the planned batches, in log order, to a view of
    its own in memory, with the performance projection's rules, then answers `read` from it
    as a query reads the live views: O(the rows replayed)."""
    model = plan.model
    registered = next(iter(ledger.events.get(model.id, limit=1)))
    events: list[Positioned] = [(0, registered)]
    for entry in plan.entries:
        key = batch_key(entry.kind, model.id, entry.version_id, entry.split, entry.batch_id)
        events.append((entry.position, next(iter(ledger.events.get(key, limit=1)))))
    return replay_projection(PerformanceProjection(), events, read)


def replay_projection(projection: Projection, events: list[Positioned],
                      read: Callable[[Tx], T]) -> T:
    """`events` applied by `projection` to tables of its own in memory, behind the view names
    the queries read, and `read` answered from them."""
    view = SQLiteDatabase(Path(":memory:"))
    try:
        with view.transaction() as tx:
            tables = Tables(projection.tables, 1)
            for statement in projection.schema(view, tables):
                tx.execute(statement)
            point_views(tx, projection, 1)
            projection.apply(tx, tables, events)
            projection.settle(tx, tables)
            return read(tx)
    finally:
        view.close()
