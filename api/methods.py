"""HEAD and OPTIONS on every route: HEAD answers as GET would, headers and status, without
the body; OPTIONS answers 204 naming every method the path has (no credential needed: the
methods are the same for everyone)."""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils import normalize_path

PROBED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def answering_head_and_options(app: Litestar) -> Litestar:
    inner = app.asgi_handler

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] == "HEAD":
            await _as_get(inner, scope, receive, send)
            return
        if scope["type"] == ScopeType.HTTP and scope["method"] == "OPTIONS":
            allowed = methods_of(app, scope["path"])
            if allowed:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", ", ".join(allowed).encode())]})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
        await inner(scope, receive, send)

    app.asgi_handler = handle
    return app


def methods_of(app: Litestar, path: str) -> list[str]:
    """The methods `path` answers, with HEAD beside GET and OPTIONS; none for no route."""
    found = []
    for method in PROBED:
        try:
            app.asgi_router.handle_routing(path=normalize_path(path), method=method)
        except (MethodNotAllowedException, NotFoundException):
            continue
        found.append(method)
    if "GET" in found:
        found.insert(1, "HEAD")
    return [*found, "OPTIONS"] if found else []


async def _as_get(inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """GET's answer without its body. The server keeps seeing HEAD (it then expects no body);
    the app sees GET, and what its router found is copied back for whoever measures."""
    as_get = dict(scope)
    as_get["method"] = "GET"

    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    try:
        await inner(as_get, receive, send_headers_only)  # type: ignore[arg-type]
    finally:
        template = as_get.get("path_template")
        if isinstance(template, str):
            scope["path_template"] = template
