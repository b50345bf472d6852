"""Credentials: JWT bearer tokens and API keys, scopes, and the guards that check them."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)

from perfledger.api.tenant_positions import speak_to
from perfledger.domain.aggregate import set_acting_user
from perfledger.domain.application import PerfLedger
from perfledger.domain.limits import MAX_KEY_BYTES, MAX_NAME_CHARS, key_problem
from perfledger.domain.values import Caller

ADMIN = "organization:admin"
# A bearer token expiring further ahead than this is refused (PERFLEDGER_MAX_TOKEN_SECONDS):
# a leaked token must stop working within a known time.
DEFAULT_MAX_TOKEN_SECONDS = 30 * 24 * 3600
_CLOCK_SKEW_SECONDS = 60
_TIME_CLAIMS = ("exp", "iat", "nbf")
VIEWER = "organization:viewer"
# Every scope a credential can hold; `organization:admin` implies all, `organization:viewer`
# every read scope. The jobs dialect's client offers its tools by these names.
KNOWN_SCOPES = (
    "model:read", "model:write", "dataset:read", "dataset:write",
    "read:job_metrics", "read:event_export", "write:jobs", "write:events",
    "write:event_feedback", "execute:job_operations", "execute:recompute_model_metrics",
    VIEWER, ADMIN,
)
PUBLIC_PATHS = [
    "^/health$",
    "^/api/v2/health/?$",
    "^/v3/server-info$",
    "^/v3/version-compatibility$",
    "^/schema",
    "^/metrics$",  # open, or guarded by its own token (api.telemetry_endpoint)
]


@dataclass(frozen=True)
class Principal:
    organization_id: str
    organization_name: str | None
    subject: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        if ADMIN in self.scopes or scope in self.scopes:
            return True
        is_read = scope.endswith(":read") or scope.startswith("read:")
        return is_read and VIEWER in self.scopes

    def expanded_scopes(self) -> list[str]:
        """The scopes held, with what admin and viewer imply spelled out."""
        return sorted({*self.scopes, *(scope for scope in KNOWN_SCOPES if self.has(scope))})

    @property
    def caller(self) -> Caller:
        return Caller(self.organization_id)


def mint_token(
    secret: str,
    organization_id: str,
    scopes: Iterable[str],
    subject: str = "admin",
    organization_name: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    claims: dict[str, Any] = {
        "sub": subject,
        "org": organization_id,
        "scopes": sorted(set(scopes)),
        "exp": int(time.time()) + ttl_seconds,
    }
    if organization_name:
        claims["org_name"] = organization_name
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer_token(header: str) -> str:
    """The token of an `Authorization: Bearer <token>` header; 401 if it holds none."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("Authorization header must be 'Bearer <token>'")
    return token.strip()


def principal_from_token(secret: str, token: str,
                         max_lifetime: int = DEFAULT_MAX_TOKEN_SECONDS) -> Principal:
    """The token's principal; a token verified before is not verified again until it expires."""
    principal, expires_at = _verified_token(secret, token, max_lifetime)
    if time.time() >= expires_at:
        raise NotAuthorizedException("Bearer token has expired; mint a new one")
    return principal


@functools.lru_cache(maxsize=4096)
def _verified_token(secret: str, token: str, max_lifetime: int) -> tuple[Principal, float]:
    """Signature and claims checked once per token (failures are not cached: they raise)."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "org"]}
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthorizedException("Bearer token has expired; mint a new one") from None
    except jwt.InvalidTokenError as error:
        raise NotAuthorizedException(f"Invalid bearer token: {error}") from None
    _check_times(claims, max_lifetime)
    scopes = claims.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise NotAuthorizedException("Invalid bearer token: 'scopes' must be a list of strings")
    subject, name = claims["sub"], claims.get("org_name")
    if not isinstance(subject, str) or not subject or key_problem(subject) is not None:
        raise NotAuthorizedException(
            f"Invalid bearer token: 'sub' must be a string of 1 to {MAX_KEY_BYTES} bytes")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_CHARS):
        raise NotAuthorizedException(
            f"Invalid bearer token: 'org_name' must be a string of at most {MAX_NAME_CHARS}"
            " characters")
    if len(scopes) > len(KNOWN_SCOPES) * 4:
        raise NotAuthorizedException("Invalid bearer token: too many 'scopes'")
    principal = Principal(_organization(claims["org"]), name, subject, frozenset(scopes))
    return principal, float(claims["exp"])


def _check_times(claims: dict[str, Any], max_lifetime: int) -> None:
    """Time claims are integers (seconds since the epoch), and the token expires within the
    longest lifetime allowed, counted from now and from its `iat`."""
    for name in _TIME_CLAIMS:
        value = claims.get(name)
        if name in claims and (not isinstance(value, int) or isinstance(value, bool)):
            raise NotAuthorizedException(
                f"Invalid bearer token: '{name}' must be an integer number of seconds since"
                " 1970-01-01 UTC")
    latest = time.time() + max_lifetime + _CLOCK_SKEW_SECONDS
    issued = claims.get("iat")
    if claims["exp"] > latest or (issued is not None and claims["exp"] - issued > max_lifetime):
        days = max_lifetime / 86400
        raise NotAuthorizedException(
            f"Invalid bearer token: it lives longer than the {days:g} days allowed"
            " (PERFLEDGER_MAX_TOKEN_SECONDS); mint one with a shorter lifetime"
            " (perfledger token --ttl)")


def _organization(value: object) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise NotAuthorizedException("Invalid bearer token: 'org' must be a UUID") from None


class CredentialMiddleware(AbstractAuthenticationMiddleware):
    """Accepts `Authorization: Bearer <JWT>` or `X-Arcanna-Api-Key` / `X-API-Key`."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        state = connection.app.state
        header = connection.headers.get("authorization")
        if header:
            token = bearer_token(header)
            principal = principal_from_token(state.jwt_secret, token, state.max_token_seconds)
            set_acting_user(principal.subject)  # every event this request records names them
            speak_to(state.container.positions, principal.organization_id)
            return AuthenticationResult(principal, token)
        key = connection.headers.get("x-arcanna-api-key") or connection.headers.get("x-api-key")
        if key:
            ledger: PerfLedger = state.ledger
            api_key = await anyio.to_thread.run_sync(ledger.find_api_key, key.strip())
            if api_key is None:
                raise NotAuthorizedException("Unknown or revoked API key")
            principal = Principal(
                api_key.organization_id, None, f"api-key:{api_key.id}", frozenset(api_key.scopes)
            )
            set_acting_user(principal.subject)
            speak_to(state.container.positions, principal.organization_id)
            return AuthenticationResult(principal, key)
        raise NotAuthorizedException(
            "No credential: send 'Authorization: Bearer <token>' or an 'X-API-Key' header"
        )


# Guards are coroutines: a plain function would be sent to a worker thread on every request.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def check_scopes(principal: Principal, *scopes: str) -> None:
    """Refuses (403) a credential lacking any of `scopes`."""
    missing = [scope for scope in scopes if not principal.has(scope)]
    if missing:
        raise PermissionDeniedException(f"Missing scope(s): {', '.join(missing)}")


def requires(*scopes: str) -> Guard:
    """A guard passing when the credential holds every one of `scopes`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not _asks_for_options(connection):
            check_scopes(connection.user, *scopes)

    return guard


def requires_any(*scopes: str) -> Guard:
    """A guard passing when the credential holds at least one of `scopes`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if _asks_for_options(connection):
            return
        principal: Principal = connection.user
        if not any(principal.has(scope) for scope in scopes):
            raise PermissionDeniedException(f"Needs one of the scopes: {', '.join(scopes)}")

    return guard


def _asks_for_options(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """An OPTIONS request: Litestar answers it with the route's methods, without a
    credential (the middleware lets it through), so the guards of its controller let it be."""
    return bool(connection.scope.get("method") == "OPTIONS")
