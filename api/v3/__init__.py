"""The v3 model-registry dialect, spoken by fiddler-client, and the few `/v2` paths (webhooks,
alert records) the same client calls at the root."""

from __future__ import annotations

from litestar import Router

from perfledger.api.errors import exception_handlers
from perfledger.api.v3.alert_records import AlertConfigRecordController, AlertRecordController
from perfledger.api.v3.alert_rules import AlertRuleController
from perfledger.api.v3.artifacts import ArtifactController
from perfledger.api.v3.baselines import BaselineController, ModelBaselineController
from perfledger.api.v3.columns import ColumnController
from perfledger.api.v3.envelope import v3_error_body
from perfledger.api.v3.environments import EnvironmentController, ModelEnvironmentController
from perfledger.api.v3.events import EventsController
from perfledger.api.v3.files import FileController
from perfledger.api.v3.model_factory import ModelFactoryController
from perfledger.api.v3.models import ModelController
from perfledger.api.v3.operations import OperationController
from perfledger.api.v3.projects import ProjectController
from perfledger.api.v3.server import ServerController
from perfledger.api.v3.webhooks import WebhookController

v3_router = Router(
    path="/v3",
    route_handlers=[
        ServerController, ProjectController, ModelController, ColumnController, OperationController,
        FileController, ModelFactoryController, EventsController, ArtifactController,
        AlertRuleController, AlertRecordController, BaselineController,
        ModelBaselineController, EnvironmentController, ModelEnvironmentController,
    ],
    exception_handlers=exception_handlers(v3_error_body),
)
# fiddler-client reads webhooks and alert records at `/v2/...` (not perfledger's `/api/v2`
# jobs dialect), and parses their errors as v3's.
v3_client_v2_router = Router(
    path="/v2",
    route_handlers=[WebhookController, AlertConfigRecordController],
    exception_handlers=exception_handlers(v3_error_body),
)
