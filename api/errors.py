"""Turns domain errors and HTTP exceptions into each dialect's error body, in one place."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain.errors import Conflict, DomainError, InvalidInput, NotFound, Unprocessable

log = logging.getLogger("perfledger.api")

STATUS_OF_DOMAIN_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 400,
    Unprocessable: 422,
}


class NotReady(Exception):
    """The projections a query reads have not reached the requested position in time."""

    def __init__(self, wanted: int, published: int) -> None:
        super().__init__(
            f"Projections are at position {published}, not yet at {wanted}; retry shortly"
        )
        self.wanted = wanted
        self.published = published


def error_body(status: int, detail: str, extra: Any = None) -> dict[str, Any]:
    """Litestar's own error shape, which the v1 dialect specifies."""
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra:
        body["extra"] = extra
    return body


def handle_domain_error(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    status = next(code for kind, code in STATUS_OF_DOMAIN_ERROR.items() if isinstance(error, kind))
    return Response(error_body(status, error.message, error.details), status_code=status)


def handle_not_ready(request: Request[Any, Any, Any], error: NotReady) -> Response[Any]:
    body = error_body(
        503, str(error), {"min_position": error.wanted, "projection_position": error.published}
    )
    return Response(body, status_code=503, headers={"Retry-After": "1"})


def handle_http_exception(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    extra = error.extra if isinstance(error, ValidationException) or error.extra else None
    headers = dict(error.headers or {})
    return Response(
        error_body(error.status_code, error.detail, extra),
        status_code=error.status_code,
        headers=headers,
    )


def handle_unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return Response(error_body(500, "Internal error; see the service log"), status_code=500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    NotReady: handle_not_ready,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
