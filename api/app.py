"""The Litestar app factory: dialect routers, auth, errors and OpenAPI, wired once."""

from __future__ import annotations

import msgspec
from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    Reference,
    SecurityRequirement,
    SecurityScheme,
)

from perfledger.api.auth import PUBLIC_PATHS, CredentialMiddleware
from perfledger.api.bootstrap import Container
from perfledger.api.consistency import follow_visible_positions
from perfledger.api.dependencies import DEPENDENCIES
from perfledger.api.errors import exception_handlers, litestar_body
from perfledger.api.hot_reads import answering_again
from perfledger.api.input_limits import DepthLimitedRequest, RefuseNulInUrl
from perfledger.api.methods import answering_head_and_options
from perfledger.api.telemetry_endpoint import measuring_requests, scrape
from perfledger.api.ui import ui_router
from perfledger.api.v1 import v1_router
from perfledger.api.v2 import v2_events_router, v2_router
from perfledger.api.v2.errors import v2_body
from perfledger.api.v3 import v3_client_v2_router, v3_router
from perfledger.api.v3.envelope import v3_error_body
from perfledger.projections.availability import RETRY_AFTER_SECONDS
from perfledger.projections.database import is_transient
from perfledger.projections.quarantine import quarantine_counts

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "BearerToken": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="HS256 JWT with sub, org, scopes and exp claims",
    ),
    "ApiKey": SecurityScheme(
        type="apiKey",
        name="X-API-Key",
        security_scheme_in="header",
        description="Key minted by `perfledger api-key create`",
    ),
    "ArcannaApiKey": SecurityScheme(
        type="apiKey", name="X-Arcanna-Api-Key", security_scheme_in="header"
    ),
}
SECURITY: list[SecurityRequirement] = [{"BearerToken": []}, {"ApiKey": []}, {"ArcannaApiKey": []}]


class Health(msgspec.Struct):
    status: str
    quarantined_events: int | None
    waiting_queries: int
    database: str


@get("/health", operation_id="health", tags=["service"], security=[], sync_to_thread=True)
def health(container: Container) -> Response[Health]:
    """`quarantined_events` counts events a projection set aside (`perfledger projections`);
    `waiting_queries`, the requests of this process waiting for a `min_position` now;
    `database`, "up" or why it is unreachable (then the status is 503 and `unavailable`)."""
    waiting = container.services.read.waiting
    try:
        quarantined = sum(quarantine_counts(container.database).values())
    except Exception as error:
        if not is_transient(error):
            raise
        reason = container.database.down_reason or str(error).strip() or type(error).__name__
        return Response(Health("unavailable", None, waiting, f"unreachable: {reason}"),
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return Response(Health("ok", quarantined, waiting, "up"))


def create_app(container: Container) -> Litestar:
    return measuring_requests(answering_head_and_options(answering_again(Litestar(
        route_handlers=[health, scrape, v1_router, v2_router, v2_events_router, v3_router,
                        v3_client_v2_router, ui_router],
        state=State(
            {
                "container": container,
                "ledger": container.ledger,
                "jwt_secret": container.settings.jwt_secret,
                "max_token_seconds": container.settings.max_token_seconds,
            }
        ),
        dependencies=DEPENDENCIES,
        middleware=[DefineMiddleware(CredentialMiddleware, exclude=PUBLIC_PATHS), RefuseNulInUrl],
        request_class=DepthLimitedRequest,
        exception_handlers=exception_handlers(
            litestar_body,
            {"/v3/": v3_error_body, "/v2/": v3_error_body, "/api/v2/": v2_body,
             "/api/v1/events/": v2_body},
        ),
        request_max_body_size=container.settings.max_body_bytes,
        lifespan=[follow_visible_positions],
        openapi_config=OpenAPIConfig(
            title="perfledger",
            version="0.1.0",
            description="Event-sourced model-performance backend",
            components=Components(security_schemes=SECURITY_SCHEMES),
            security=SECURITY,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    ))))
