"""Input no handler should see: NUL characters in the URL, JSON nested past a fixed depth."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware import AbstractMiddleware
from litestar.serialization import decode_json
from litestar.types import Empty, Receive, Scope, Send

from perfledger.domain.bounded_json import within_json_depth
from perfledger.domain.errors import InvalidInput


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
    """Decodes a JSON body within MAX_JSON_DEPTH levels of nesting (deeper: 400), the way
    Litestar's own `json()` does otherwise, caching the value where Litestar looks for it."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            body = await self.body()
            decoders = self.route_handler.resolve_type_decoders()
            self._json = self._connection_state.json = within_json_depth(
                body or b"null", lambda data: decode_json(data, type_decoders=decoders))
        return await super().json()
