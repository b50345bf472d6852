"""The jobs dialect's error bodies, as its seeds show them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar.exceptions import HTTPException

from perfledger.api.errors import Failure


class ParameterInvalid(HTTPException):
    """A missing or malformed parameter: 422 with the seed's `detail` list."""

    status_code = 422

    def __init__(self, location: str, name: str, message: str) -> None:
        super().__init__(detail=message, extra=[
            {"loc": [location, name], "msg": message, "type": "value_error"}])


def parameter_errors_as_422(failure: Failure) -> Failure:
    """Malformed query or path parameters are 422s with the seed's `detail` list here, and so
    is a domain error that names the query parameter it refuses (`{"parameter": name}`)."""
    extra = failure.extra
    if failure.status == 400 and isinstance(extra, dict) and set(extra) == {"parameter"}:
        extra = [{"source": "query", "key": extra["parameter"], "message": failure.detail}]
    if failure.status != 400 or not isinstance(extra, list) or not extra:
        return failure
    if not all(isinstance(item, dict) and item.get("source") in ("query", "path")
               for item in extra):
        return failure
    detail = [{"loc": [item["source"], item.get("key", "")], "msg": item.get("message", ""),
               "type": "value_error"} for item in extra]
    return replace(failure, status=422, extra=detail)


def v2_body(failure: Failure) -> dict[str, Any]:
    """`{"detail": [...]}` for invalid parameters, else `{"error": ..., "details": ...}`."""
    extra = failure.extra
    if failure.status == 422 and isinstance(extra, list) and extra and "loc" in extra[0]:
        return {"detail": extra}
    if isinstance(extra, dict) and set(extra) == {"details"}:
        return {"error": failure.detail, "details": extra["details"]}
    return {"error": failure.detail, "details": extra if extra else ""}
