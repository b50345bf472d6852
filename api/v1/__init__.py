"""The v1 performance dialect: models, versions, predictions, labels and performance."""

from __future__ import annotations

from litestar import Router

from api.v1.diagnostics import DiagnosticsController
from api.v1.history import HistoryController
from api.v1.models import ModelController
from api.v1.performance import PerformanceController
from api.v1.recompute import RecomputeController
from api.v1.rows import RowsController
from api.v1.versions import VersionController

v1_router = Router(
    path="/api/v1",
    route_handlers=[
        ModelController,
        VersionController,
        RowsController,
        PerformanceController,
        DiagnosticsController,
        RecomputeController,
        HistoryController,
    ],
)
