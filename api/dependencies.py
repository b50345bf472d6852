"""Dependency providers shared by the dialects."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from perfledger.api.auth import Principal
from perfledger.api.bootstrap import Container


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


COMMON_DEPENDENCIES: dict[str, Any] = {}
