"""Bounds on how long a connection may take to send a request: its headers, then its body.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but it waits for
ever for a request's first bytes, its headers and its body: a client trickling one byte a
second would hold a connection (and its memory) as long as it liked. This protocol gives
each request `header_seconds` from its first byte (or from the connection's opening) to
its last header, then `body_seconds` to its last body byte; past either, the connection is
answered 408 (when nothing was answered yet) and closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"connection: close\r\ncontent-length: %d\r\n\r\n%s")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    header_seconds: float  # set by bounded_protocol
    body_seconds: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_seconds, "its headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a further request on a kept-alive connection
            self._arm(self.header_seconds, "its headers")

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm(self.body_seconds, "its body")

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._time_out, seconds, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _time_out(self, seconds: float, what: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            message = f"The request did not send {what} within {seconds:g} s\n".encode()
            self.transport.write(TIMED_OUT % (len(message), message))
        self.transport.close()


def bounded_protocol(header_seconds: float, body_seconds: float
                     ) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for uvicorn's `http` option, with these bounds."""
    return type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,),
                {"header_seconds": header_seconds, "body_seconds": body_seconds})
