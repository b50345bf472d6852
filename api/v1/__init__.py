"""The v1 performance dialect: models, versions, predictions, labels and performance."""

from __future__ import annotations

from litestar import Router

from perfledger.api.query_parameters import refuse_unknown_query_parameters
from perfledger.api.v1.baselines import BaselineController, ColumnsController
from perfledger.api.v1.diagnostics import DiagnosticsController
from perfledger.api.v1.dimensions import DimensionsController
from perfledger.api.v1.history import HistoryController
from perfledger.api.v1.inputs import InputsController
from perfledger.api.v1.metric_catalogue import metric_catalogue
from perfledger.api.v1.models import ModelController
from perfledger.api.v1.monitors import AlertController, MonitorController
from perfledger.api.v1.performance import PerformanceController
from perfledger.api.v1.prometheus import organization_metrics
from perfledger.api.v1.recompute import RecomputeController
from perfledger.api.v1.rows import RowsController
from perfledger.api.v1.versions import VersionController
from perfledger.api.v1.webhooks import WebhookController
from perfledger.api.v1.windows import WindowsController

v1_router = Router(
    path="/api/v1",
    route_handlers=[
        ModelController,
        VersionController,
        RowsController,
        PerformanceController,
        WindowsController,
        DimensionsController,
        DiagnosticsController,
        RecomputeController,
        HistoryController,
        MonitorController,
        AlertController,
        WebhookController,
        ColumnsController,
        BaselineController,
        InputsController,
        organization_metrics,
        metric_catalogue,
    ],
    before_request=refuse_unknown_query_parameters,
)
