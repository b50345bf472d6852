"""Input no handler should see: NUL characters in the URL, JSON nested past decoding depth."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware import AbstractMiddleware
from litestar.types import Receive, Scope, Send

from domain.errors import InvalidInput


class RefuseNulInUrl(AbstractMiddleware):
    """A path or query parameter holding U+0000 names nothing perfledger can store (PostgreSQL
    text cannot hold it), so it is refused on both backends, before any handler reads it.
    Bodies are checked where events are encoded (`domain.transcoder.refuse_nul`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            where = "path" if "\x00" in scope["path"] else "query string"
            raise InvalidInput(
                f"The {where} contains the NUL character (%00), which names nothing here; "
                "remove it and send again",
                {"field": where},
            )
        await self.app(scope, receive, send)


class DepthLimitedRequest(Request[Any, Any, Any]):
    """A JSON body nested deeper than the decoder's recursion limit is a 400, not a crash."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise InvalidInput(
                "The JSON body nests deeper than it can be read; flatten it and send again"
            ) from None
