"""Turns domain errors and HTTP exceptions into error answers: one mapping, a body per dialect."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from perfledger.api.enum_choices import with_enum_choices
from perfledger.api.heavy_work import Busy
from perfledger.api.tenant_positions import seen, shown, shown_or_none
from perfledger.domain.errors import (
    BatchReused,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    Unprocessable,
)
from perfledger.projections.availability import StoreUnavailable
from perfledger.projections.database import is_transient

log = logging.getLogger("perfledger.api")

STATUS_OF_DOMAIN_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 400,
    Unprocessable: 422,
}


class NotReady(Exception):
    """The projections a query reads have not reached the requested position in time."""

    def __init__(self, wanted: int, visible: int) -> None:
        super().__init__(f"The projections have not reached position {wanted} yet; retry"
                         " shortly, with the same min_position")
        self.wanted = wanted
        self.visible = visible


@dataclass(frozen=True)
class Failure:
    """What went wrong, before a dialect shapes it: status, message, details, headers."""

    status: int
    detail: str
    extra: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def failure_of(request: Request[Any, Any, Any], error: Exception) -> Failure:
    """The one place that decides the status and message of every error."""
    if isinstance(error, BatchReused):
        log_ = request.app.state.container.engine.log
        position = log_.position_of_first_event(error.receipt.batch_key)
        return Failure(409, error.message, {**error.details, "position": shown_or_none(position)})
    if isinstance(error, DomainError):
        status = next(code for kind, code in STATUS_OF_DOMAIN_ERROR.items()
                      if isinstance(error, kind))
        return Failure(status, error.message, error.details or None)
    if isinstance(error, Busy):
        return Failure(503, str(error), None, {"Retry-After": str(error.retry_after)})
    if isinstance(error, StoreUnavailable):
        return Failure(503, str(error), {"unavailable": "database"},
                       {"Retry-After": str(error.retry_after)})
    if is_transient(error):  # a lock held too long, a connection lost midway
        log.warning("%s %s met a passing database error: %s", request.method,
                    request.url.path, error)
        return Failure(503, "The database could not answer just now; retry in 1 s",
                       {"unavailable": "database"}, {"Retry-After": "1"})
    if isinstance(error, NotReady):
        wanted = shown(error.wanted)
        positions = {"min_position": wanted, "projection_position": seen(error.visible)}
        return Failure(503, str(NotReady(wanted, 0)), positions, {"Retry-After": "1"})
    if isinstance(error, HTTPException):
        extra = error.extra if isinstance(error, ValidationException) or error.extra else None
        if isinstance(error, ValidationException):
            extra = with_enum_choices(request, extra)
        return Failure(error.status_code, error.detail, extra, dict(error.headers or {}))
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return Failure(500, "Internal error; see the service log")


BodyRenderer = Callable[[Failure], Any]


def litestar_body(failure: Failure) -> dict[str, Any]:
    """Litestar's own error shape, which the v1 dialect specifies."""
    body: dict[str, Any] = {"status_code": failure.status, "detail": failure.detail}
    if failure.extra:
        body["extra"] = failure.extra
    return body


def exception_handlers(
    render: BodyRenderer,
    by_path_prefix: dict[str, BodyRenderer] | None = None,
    restate: Callable[[Failure], Failure] | None = None,
) -> dict[Any, Any]:
    """Handlers for an app or a dialect's router, answering in that dialect's error body.

    `by_path_prefix` picks another dialect's body for errors raised before routing (the
    credential middleware, unknown paths), which a dialect's router never sees. `restate`
    lets a dialect give a failure the status its clients expect.
    """
    prefixes = by_path_prefix or {}

    def handle(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        failure = failure_of(request, error)
        if restate is not None:
            failure = restate(failure)
        path = request.scope.get("path", "")
        renderer = next((r for prefix, r in prefixes.items() if path.startswith(prefix)), render)
        return Response(renderer(failure), status_code=failure.status, headers=failure.headers)

    return {Exception: handle}

