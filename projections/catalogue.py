"""Every projection the service keeps, in the order they are caught up."""

from __future__ import annotations

from projections.catalog.projection import CatalogProjection
from projections.history.projection import HistoryProjection
from projections.jobs.projection import JobsProjection
from projections.performance.projection import PerformanceProjection
from projections.projection import Projection
from projections.recompute.projection import RecomputeProjection
from projections.registry.projection import RegistryProjection


def all_projections() -> list[Projection]:
    return [RegistryProjection(), PerformanceProjection(), HistoryProjection(),
            RecomputeProjection(), CatalogProjection(), JobsProjection()]
