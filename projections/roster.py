"""Every projection the service keeps, in the order they are caught up."""

from __future__ import annotations

from perfledger.projections.catalog.projection import CatalogProjection
from perfledger.projections.history.projection import HistoryProjection
from perfledger.projections.inputs.projection import InputsProjection
from perfledger.projections.jobs.projection import JobsProjection
from perfledger.projections.monitoring.projection import MonitoringProjection
from perfledger.projections.performance.projection import PerformanceProjection
from perfledger.projections.projection import Projection
from perfledger.projections.recompute.projection import RecomputeProjection
from perfledger.projections.registry.projection import RegistryProjection


def all_projections() -> list[Projection]:
    return [RegistryProjection(), PerformanceProjection(), HistoryProjection(),
            RecomputeProjection(), CatalogProjection(), JobsProjection(),
            MonitoringProjection(), InputsProjection()]
