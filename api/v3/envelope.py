"""The v3 wire envelope: single objects, pages, and the error body the client parses."""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

import msgspec

from perfledger.api.errors import Failure

API_VERSION = "3.0"
T = TypeVar("T")

REASONS = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "ObjectNotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    422: "UnprocessableEntity",
    503: "ServiceUnavailable",
}


class Normal(msgspec.Struct, Generic[T]):
    data: T
    api_version: str = API_VERSION
    kind: str = "NORMAL"


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    page_size: int
    total: int
    item_count: int
    page_count: int
    page_index: int
    offset: int


class Paginated(msgspec.Struct, Generic[T]):
    data: Page[T]
    api_version: str = API_VERSION
    kind: str = "PAGINATED"


class JobRef(msgspec.Struct):
    id: str
    name: str


class JobStarted(msgspec.Struct):
    job: JobRef


def normal(data: T) -> Normal[T]:
    return Normal(data)


def paginated(items: list[T], total: int, limit: int, offset: int) -> Paginated[T]:
    """A page as the client walks it: it stops once `page_index >= page_count`."""
    page_count = max(1, math.ceil(total / limit))
    page_index = offset // limit + 1
    return Paginated(Page(items, limit, total, len(items), page_count, page_index, offset))


def v3_error_body(failure: Failure) -> dict[str, Any]:
    """`{api_version, kind: ERROR, error: {code, message, errors: [{reason, message, help}]}}`."""
    reason = REASONS.get(failure.status, "InternalServerError")
    items = [{"reason": reason, "message": message, "help": ""} for message in _messages(failure)]
    error: dict[str, Any] = {"code": failure.status, "message": failure.detail, "errors": items}
    if failure.extra:
        error["details"] = failure.extra
    return {"api_version": API_VERSION, "kind": "ERROR", "error": error}


def _messages(failure: Failure) -> list[str]:
    """One error item per problem the failure names, else one for the whole failure."""
    extra = failure.extra
    problems = extra.get("problems") if isinstance(extra, dict) else None
    if isinstance(problems, list) and problems:
        return [str(problem) for problem in problems]
    return [failure.detail]
