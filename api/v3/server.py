"""v3 server information and the client-compatibility check (both answer without a credential)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotAuthorizedException

from perfledger.api.auth import principal_from_token
from perfledger.api.bootstrap import Container
from perfledger.api.v3.envelope import Normal, normal
from perfledger.api.v3.people import DEFAULT_ORGANIZATION_NAME, Organization

# fiddler-client refuses some calls (project delete) below 25.2.0; this dialect serves them.
SERVER_VERSION = "25.2.0"


class ServerInfo(msgspec.Struct):
    server_version: str
    feature_flags: dict[str, Any]
    organization: Organization | None  # None without a credential: ids are not public


class ServerController(Controller):
    path = "/"
    tags = ["v3 server"]

    @get("/server-info", operation_id="v3ServerInfo", security=[])
    async def server_info(
        self, request: Request[Any, Any, Any], container: Container
    ) -> Normal[ServerInfo]:
        organization = await _organization_of(request, container)
        return normal(ServerInfo(SERVER_VERSION, {}, organization))

    @get("/version-compatibility", operation_id="v3VersionCompatibility", security=[])
    async def version_compatibility(
        self, client_version: str | None = None, client_name: str | None = None
    ) -> Normal[dict[str, Any]]:
        return normal({})


async def _organization_of(
    request: Request[Any, Any, Any], container: Container
) -> Organization | None:
    """The credential's organization when one is sent (an invalid one: 401), else none: an
    organization's id is not shown to whoever asks."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("Authorization header must be 'Bearer <token>'")
        principal = principal_from_token(container.settings.jwt_secret, token.strip(),
                                         container.settings.max_token_seconds)
        name = principal.organization_name or DEFAULT_ORGANIZATION_NAME
        return Organization(principal.organization_id, name)
    key = request.headers.get("x-api-key") or request.headers.get("x-arcanna-api-key")
    if key:
        api_key = await anyio.to_thread.run_sync(container.ledger.find_api_key, key.strip())
        if api_key is None:
            raise NotAuthorizedException("Unknown or revoked API key")
        return Organization(api_key.organization_id, DEFAULT_ORGANIZATION_NAME)
    return None
