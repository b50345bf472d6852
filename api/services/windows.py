"""Performance over time, per slice, and champion against challenger: live from the views,
or replayed as of a past moment."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

import anyio.to_thread

from perfledger.api.heavy_work import HeavyWork
from perfledger.api.services.reading import ReadSide
from perfledger.api.services.time_travel import TimeTravel
from perfledger.projections.database import Tx
from perfledger.projections.performance.champion import Comparison, compare_of
from perfledger.projections.performance.queries import Summary, series_query, series_stamp
from perfledger.projections.performance.segments import Segment, SegmentQuery, segments_of
from perfledger.projections.performance.slices import sliced_summary
from perfledger.projections.performance.timeseries import Window, timeseries_of
from perfledger.projections.performance.windows import BucketStats, SeriesKind
from perfledger.projections.registry.queries import ModelRow

READ_PROJECTIONS = ["registry", "performance"]
T = TypeVar("T")


class Windows:
    def __init__(self, read: ReadSide, heavy: HeavyWork, time_travel: TimeTravel) -> None:
        self._read = read
        self._heavy = heavy
        self._time_travel = time_travel

    async def timeseries(self, organization_id: str, model_id: UUID, version_id: str | None,
                         split: str, window: Window, tags: dict[str, str],
                         as_of: datetime | None, min_position: int | None
                         ) -> tuple[ModelRow, str, tuple[SeriesKind, list[BucketStats]], int]:
        """Stored buckets are one indexed read; a tag filter reads the window's rows, which is
        heavy work (bounded, so it cannot starve the other queries)."""
        def read(tx: Tx, version: str) -> tuple[SeriesKind, list[BucketStats]]:
            return timeseries_of(tx, str(model_id), version, split, window, tags)

        if as_of is not None:
            question = ("timeseries", window, tuple(sorted(tags.items())))
            return await self._time_travel.query(organization_id, model_id, version_id, split,
                                                 as_of, min_position, question, read)
        return await self._live(organization_id, model_id, version_id, min_position, read,
                                heavy=bool(tags))

    async def sliced_summary(self, organization_id: str, model_id: UUID,
                             version_id: str | None, split: str, tags: dict[str, str],
                             min_position: int | None
                             ) -> tuple[ModelRow, str, Summary, int]:
        """The split's summary over the rows carrying `tags`, from the rows (heavy work)."""
        def read(tx: Tx, version: str) -> Summary:
            return sliced_summary(tx, str(model_id), version, split, tags)

        return await self._live(organization_id, model_id, version_id, min_position, read,
                                heavy=True)

    async def segments(self, organization_id: str, model_id: UUID, version_id: str | None,
                       split: str, query: SegmentQuery, min_position: int | None
                       ) -> tuple[ModelRow, str, tuple[SeriesKind, list[Segment]], int]:
        def read(tx: Tx, version: str) -> tuple[SeriesKind, list[Segment]]:
            return segments_of(tx, str(model_id), version, split, query)

        return await self._live(organization_id, model_id, version_id, min_position, read,
                                heavy=True)

    async def compare(self, organization_id: str, model_id: UUID, baseline: str | None,
                      candidate: str, split: str, start: int | None, end: int | None,
                      min_position: int | None
                      ) -> tuple[ModelRow, str, tuple[SeriesKind, Comparison], int]:
        """`baseline` defaults to the version performance queries mean (the promoted one)."""
        def read(tx: Tx, version: str) -> tuple[SeriesKind, Comparison]:
            return compare_of(tx, str(model_id), version, candidate, split, start, end)

        return await self._live(organization_id, model_id, baseline, min_position, read,
                                heavy=True)

    def stamp(self, organization_id: str, model_id: UUID, version_ids: list[str | None],
              split: str) -> Callable[[], Hashable]:
        """What a live answer about these series depends on, for the response cache."""
        return lambda: series_stamp(self._read.database, organization_id, str(model_id),
                                    version_ids, split)

    async def _live(self, organization_id: str, model_id: UUID, version_id: str | None,
                    min_position: int | None, read: Callable[[Tx, str], T], heavy: bool
                    ) -> tuple[ModelRow, str, T, int]:
        position = await self._read.reach(READ_PROJECTIONS, min_position)
        run: Callable[..., tuple[ModelRow, str, T]] = series_query
        args = (self._read.database, organization_id, str(model_id), version_id, read)
        if heavy:
            model, version, found = await self._heavy.run(organization_id, run, *args)
        else:
            model, version, found = await anyio.to_thread.run_sync(run, *args)
        return model, version, found, position



