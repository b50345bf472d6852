"""Performance as it was at a past moment, replayed from the log (time travel)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.services.reading import ReadSide
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import Unprocessable
from perfledger.projections.database import Tx
from perfledger.projections.inputs.time_travel import inputs_as_of
from perfledger.projections.performance.queries import PERFORMANCE_TASKS, Summary
from perfledger.projections.performance.time_travel import (
    ReplayCache,
    ReplayPlan,
    plan_replay,
    replay_as_of,
    resolve_as_of,
    summary_as_of,
)
from perfledger.projections.registry.queries import ModelRow, find_model

# The replay finds the model's batches in its history; the model's own events say the rest.
PROJECTIONS = ["history", "registry"]
T = TypeVar("T")


class TimeTravel:
    def __init__(self, ledger: PerfLedger, read: ReadSide, heavy: HeavyWork) -> None:
        self._ledger = ledger
        self._read = read
        self._heavy = heavy
        self._answers = ReplayCache()

    async def summary(self, organization_id: str, model_id: UUID, version_id: str | None,
                      split: str, moment: datetime, min_position: int | None
                      ) -> tuple[ModelRow, str, Summary, int]:
        """The model, the version meant then, its summary then, and the position read at."""
        return await self.answer(organization_id, model_id, version_id, split, moment,
                                 min_position, ("summary",),
                                 lambda plan: summary_as_of(self._ledger, plan))

    async def query(self, organization_id: str, model_id: UUID, version_id: str | None,
                    split: str, moment: datetime, min_position: int | None,
                    question: Hashable, read: Callable[[Tx, str], T]
                    ) -> tuple[ModelRow, str, T, int]:
        """Any query of the performance views, as they were at `moment`: `read(tx, version)`
        runs on the replayed views; `question` names what it asks, for the cache."""
        return await self.answer(organization_id, model_id, version_id, split, moment,
                                 min_position, question,
                                 lambda plan: replay_as_of(
                                     self._ledger, plan, lambda tx: read(tx, plan.version_id)))

    async def inputs(self, organization_id: str, model_id: UUID, version_id: str | None,
                     moment: datetime, min_position: int | None,
                     read: Callable[[Tx, str], T]) -> tuple[str, T, int]:
        """Any query of the input statistics as they were at `moment`: `read(tx, version)`
        runs on the replayed views (the version meant then). Not cached: each asks the heavy
        work queue for a replay."""
        head = await self._read.catch_up(PROJECTIONS)
        position = await self._read.reach(PROJECTIONS, max(head, min_position or 0))
        version, found = await self._heavy.run(
            organization_id, self._inputs_replayed, organization_id, model_id, version_id,
            moment, read)
        return version, found, position

    def _inputs_replayed(self, organization_id: str, model_id: UUID, version_id: str | None,
                         moment: datetime, read: Callable[[Tx, str], T]) -> tuple[str, T]:
        find_model(self._read.database, organization_id, str(model_id))  # 404 for another's
        past, version = resolve_as_of(self._ledger, model_id, version_id, moment)
        found, _ = inputs_as_of(self._ledger, self._read.database, past, moment,
                                lambda tx: read(tx, version))
        return version, found

    async def answer(self, organization_id: str, model_id: UUID, version_id: str | None,
                     split: str, moment: datetime, min_position: int | None,
                     question: Hashable, replay: Callable[[ReplayPlan], T]
                     ) -> tuple[ModelRow, str, T, int]:
        """Everything recorded up to now must be in the history before it is searched."""
        head = await self._read.catch_up(PROJECTIONS)
        position = await self._read.reach(PROJECTIONS, max(head, min_position or 0))
        model, version, found = await self._heavy.run(
            organization_id, self._replayed, organization_id, model_id, version_id, split,
            moment, question, replay)
        return model, version, found, position

    def _replayed(self, organization_id: str, model_id: UUID, version_id: str | None,
                  split: str, moment: datetime, question: Hashable,
                  replay: Callable[[ReplayPlan], T]) -> tuple[ModelRow, str, T]:
        model = find_model(self._read.database, organization_id, str(model_id))
        if model.task not in PERFORMANCE_TASKS:
            raise Unprocessable(f"Model '{model.model_id}' is a {model.task} model; "
                                "performance is for classification and regression")
        past, version = resolve_as_of(self._ledger, model_id, version_id, moment)
        plan = plan_replay(self._read.database, past, version, split, moment)
        key = (*plan.key, question)
        found: T | None = self._answers.get(key)
        if found is None:
            found = replay(plan)
            self._answers.put(key, found)
        return model, version, found
