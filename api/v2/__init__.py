"""The v2 jobs dialect: jobs, decided events, feedback, training and metrics."""

from __future__ import annotations

from litestar import Router

from perfledger.api.errors import exception_handlers
from perfledger.api.v2.errors import parameter_errors_as_422, v2_body
from perfledger.api.v2.events import FeedbackController, SingleEventController
from perfledger.api.v2.health import health, token_scopes
from perfledger.api.v2.jobs import JobController
from perfledger.api.v2.metrics import MetricsController

V2_ERRORS = exception_handlers(v2_body, restate=parameter_errors_as_422)

v2_router = Router(
    path="/api/v2",
    route_handlers=[health, token_scopes, JobController, FeedbackController, MetricsController],
    exception_handlers=V2_ERRORS,
)
# Single ingestion and export keep the /api/v1/events paths the dialect's clients call.
v2_events_router = Router(
    path="/api/v1/events", route_handlers=[SingleEventController], exception_handlers=V2_ERRORS
)
