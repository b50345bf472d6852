"""The jobs dialect's error bodies, as its seeds show them."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import HTTPException

from api.errors import Failure


class ParameterInvalid(HTTPException):
    """A missing or malformed parameter: 422 with the seed's `detail` list."""

    status_code = 422

    def __init__(self, location: str, name: str, message: str) -> None:
        super().__init__(detail=message, extra=[
            {"loc": [location, name], "msg": message, "type": "value_error"}])


def v2_body(failure: Failure) -> dict[str, Any]:
    """`{"detail": [...]}` for invalid parameters, else `{"error": ..., "details": ...}`."""
    extra = failure.extra
    if failure.status == 422 and isinstance(extra, list) and extra and "loc" in extra[0]:
        return {"detail": extra}
    if isinstance(extra, dict) and set(extra) == {"details"}:
        return {"error": failure.detail, "details": extra["details"]}
    return {"error": failure.detail, "details": extra if extra else ""}
