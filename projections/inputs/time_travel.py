"""A model's input statistics as they were at a past moment (`as_of`), replayed from the log.

The replay applies the inputs projection itself to an in-memory view holding only that
model: its own events (registration, columns, baselines) and every prediction batch of it
recorded by then, each series', since a static baseline may be another split's. The input
queries then read the replayed views as they read the live ones: the rules are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application

from perfledger.domain.errors import Unprocessable
from perfledger.domain.performance.batches import batch_key
from perfledger.domain.registry.model import Model
from perfledger.domain.timestamps import format_timestamp
from perfledger.projections.database import Database, Tx
from perfledger.projections.event_log import Positioned
from perfledger.projections.inputs.projection import InputsProjection
from perfledger.projections.performance.time_travel import (
    MAX_TIME_TRAVEL_ROWS,
    batches_as_of,
    replay_projection,
)

T = TypeVar("T")
# The model's own events the inputs projection reads.
MODEL_EVENTS = (Model.Registered, Model.ColumnsDeclared, Model.BaselineCreated,
                Model.BaselineDeleted)


def inputs_as_of(ledger: Application[UUID], db: Database, model: Model, moment: datetime,
                 read: Callable[[Tx], T]) -> tuple[T, tuple[Any, ...]]:
    """`read` answered from the model's input statistics as they were at `moment`, and what
    the answer rests on (for a cache: the log only grows). Unprocessable past the row bound,
    before any batch is read from the log."""
    entries = [e for e in batches_as_of(db, str(model.id), moment) if e.kind == "predictions"]
    rows = sum(entry.rows for entry in entries)
    if rows > MAX_TIME_TRAVEL_ROWS:
        raise Unprocessable(
            f"Time travel to {format_timestamp(moment)} would replay {rows} rows of the"
            f" model's predictions, more than the limit of {MAX_TIME_TRAVEL_ROWS}; ask about an"
            " earlier as_of, or without as_of", {"rows": rows, "limit": MAX_TIME_TRAVEL_ROWS})
    own = [event for event in ledger.events.get(model.id)
           if isinstance(event, MODEL_EVENTS) and event.timestamp <= moment]
    batches: list[Any] = [next(iter(ledger.events.get(
        batch_key(entry.kind, model.id, entry.version_id, entry.split, entry.batch_id),
        limit=1))) for entry in entries]
    ordered = sorted([*own, *batches], key=lambda event: event.timestamp)
    events: list[Positioned] = [(index + 1, event) for index, event in enumerate(ordered)]
    stamp = (str(model.id), len(own), tuple(entry.position for entry in entries))
    return replay_projection(InputsProjection(), events, read), stamp
