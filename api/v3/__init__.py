"""The v3 model-registry dialect, spoken by fiddler-client."""

from __future__ import annotations

from litestar import Router

from api.errors import exception_handlers
from api.v3.artifacts import ArtifactController
from api.v3.columns import ColumnController
from api.v3.envelope import v3_error_body
from api.v3.events import EventsController
from api.v3.files import FileController
from api.v3.jobs import JobController
from api.v3.model_factory import ModelFactoryController
from api.v3.models import ModelController
from api.v3.projects import ProjectController
from api.v3.server import ServerController

v3_router = Router(
    path="/v3",
    route_handlers=[
        ServerController, ProjectController, ModelController, ColumnController, JobController,
        FileController, ModelFactoryController, EventsController, ArtifactController,
    ],
    exception_handlers=exception_handlers(v3_error_body),
)
