"""v2 service endpoints: health, and the scopes the presented credential holds."""

from __future__ import annotations

from litestar import get

from perfledger.api.auth import Principal


@get("/health", operation_id="v2Health", tags=["v2 service"], security=[])
async def health() -> dict[str, str]:
    return {"status": "OK", "reason": "", "reason_details": ""}


@get("/token/scopes", operation_id="v2TokenScopes", tags=["v2 service"])
async def token_scopes(principal: Principal) -> list[str]:
    """Expanded: admin and viewer are spelled out as the scopes they imply."""
    return principal.expanded_scopes()
