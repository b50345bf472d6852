"""Dependency providers shared by the dialects."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.datastructures import State

from api.auth import Principal
from api.bootstrap import Container
from domain.errors import NotFound


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def parse_model_id(model_id: str) -> uuid.UUID:
    """A malformed id names no model, so it is a 404 like any other unknown id."""
    try:
        return uuid.UUID(model_id)
    except ValueError:
        raise NotFound(f"Model '{model_id}' not found") from None


COMMON_DEPENDENCIES: dict[str, Any] = {}
