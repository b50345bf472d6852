"""`GET /metrics`, its optional token, and the measuring of every request the app answers."""

from __future__ import annotations

import hmac
import time
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.enums import MediaType, ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Receive, Scope, Send
from prometheus_client.exposition import choose_encoder

from perfledger.api.bootstrap import Container
from perfledger.api.telemetry import Telemetry

# The route label of a request no route matched (an unknown path, or a method the path lacks):
# its raw path could name anything.
UNMATCHED = "unmatched"


async def requires_metrics_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Open unless PERFLEDGER_METRICS_TOKEN is set; then `Authorization: Bearer <it>`, compared
    in constant time."""
    container: Container = connection.app.state.container
    expected = container.settings.metrics_token
    if expected is None:
        return
    scheme, _space, given = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                              expected.encode()):
        raise NotAuthorizedException(
            "The metrics need 'Authorization: Bearer <token>' with the token configured in"
            " PERFLEDGER_METRICS_TOKEN")


@get("/metrics", operation_id="serviceMetrics", tags=["service"], security=[],
     guards=[requires_metrics_token], media_type=MediaType.TEXT, sync_to_thread=True,
     summary="The service's own metrics, for Prometheus",
     description="Prometheus text format (OpenMetrics when asked for). Open, unless"
                 " PERFLEDGER_METRICS_TOKEN is set: then a bearer token equal to it.")
def scrape(container: Container, request: Request[Any, Any, Any]) -> Response[bytes]:
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    # Named whole as a header: Litestar would add a second charset to a text/ media type.
    return Response(encode(container.telemetry.registry), media_type=MediaType.TEXT,
                    headers={"Content-Type": content_type})


def measuring_requests(app: Litestar) -> Litestar:
    """Measures every request `app` answers.

    It wraps the app's whole handler, outside Litestar's own exception handling, so that the
    answers raised before a route runs (401 of the credential middleware, 404 of the router)
    are counted too; a middleware would see those as exceptions, not as answers. The metrics
    are the ones of the container the app serves when the request comes.
    """
    inner = app.asgi_handler

    async def measure(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await inner(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless an answer starts

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await inner(scope, receive, send_noting_status)
        finally:
            telemetry: Telemetry = Litestar.from_scope(scope).state.container.telemetry
            telemetry.observe_request(scope.get("path_template") or UNMATCHED,
                                    scope["method"], status, time.perf_counter() - started)

    app.asgi_handler = measure
    return app
