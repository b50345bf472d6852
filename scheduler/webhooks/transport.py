"""Posting one webhook delivery, and reporting what happened instead of raising.

Right before posting, the destination is checked again (DNS answers change after a webhook is
registered), and the connection goes to one of the addresses that check accepted rather than to
whatever the name resolves to a moment later: a name that flips to a private address between
the check and the connection (DNS rebinding) cannot steer the post inside. The request keeps
the URL's host name in its Host header and, for https, in TLS (SNI and certificate checks).
Each request asks for its connection to be closed, so a connection opened for one host name is
never reused for another that happens to share its address.

Redirects are not followed (their target was never checked), at most 64 KiB of a response is
read, and network failures become an `Outcome` with an error: the caller decides on retries.
An attempt ends at its deadline however the receiver answers: a receiver sending its reply a
byte at a time (each wait for data shorter than the timeout) has its connection shut then,
so it cannot hold up the deliveries waiting behind it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from perfledger.domain.errors import InvalidInput
from perfledger.domain.monitoring.destinations import (
    Allowance,
    Resolver,
    resolve_addresses,
    vet_destination,
)

MAX_RESPONSE_BYTES = 65_536
# A name may resolve to many addresses; trying each with the full timeout would let one
# webhook hold a worker for minutes.
MAX_ADDRESSES_TRIED = 3
_MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: the status the receiver answered, or why there was none."""

    status_code: int | None
    error: str | None
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    allowance: Allowance,
    timeout: float = 10.0,
    *,
    resolve: Resolver = resolve_addresses,
) -> Outcome:
    """Post `body` to `url` once, after checking the destination again; never raises for
    refused destinations or network errors."""
    started = time.monotonic()
    try:
        destination = vet_destination(url, allowance, resolve)
    except InvalidInput as refusal:
        return Outcome(None, f"refused: {refusal.message}", time.monotonic() - started)
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as invalid:
        return Outcome(None, f"refused: {_short(invalid)}", time.monotonic() - started)
    request_headers = {
        **headers,
        "Host": target.netloc.decode("ascii"),
        "Connection": "close",
    }
    # TLS names the host as the URL does (IDNA-encoded), not the address connected to.
    extensions: dict[str, str] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.raw_host.decode("ascii")
    last_error = "no address to connect to"
    for address in destination.addresses[:MAX_ADDRESSES_TRIED]:
        with _Deadline(timeout) as deadline:
            try:
                return _post(
                    client, target.copy_with(host=address), body, request_headers,
                    {**extensions, "trace": deadline.trace}, timeout, started,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as failure:
                last_error = _short(failure)  # this address is unreachable: try the next one
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as failure:
                timed_out = deadline.passed or isinstance(failure, httpx.TimeoutException)
                error = f"no complete answer within {timeout:g} s" if timed_out else _short(
                    failure)
                return Outcome(None, error, time.monotonic() - started)
    return Outcome(None, last_error, time.monotonic() - started)


class _Deadline:
    """Shuts the attempt's connection once `seconds` have passed: httpx's timeout bounds each
    wait for data, not the whole answer. The socket is learnt from httpcore's trace of the
    connection it opens."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.passed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            found = info["return_value"].get_extra_info("socket")
            with self._lock:
                self._socket = found
                if self.passed:
                    _shut(found)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        connection.shutdown(socket.SHUT_RDWR)  # the blocked read returns; httpx then fails


def _post(
    client: httpx.Client,
    url: httpx.URL,
    body: bytes,
    headers: dict[str, str],
    extensions: dict[str, Any],
    timeout: float,
    started: float,
) -> Outcome:
    request = client.build_request(
        "POST", url, content=body, headers=headers, extensions=extensions, timeout=timeout
    )
    response = client.send(request, stream=True, follow_redirects=False)
    try:
        _drain(response, started + timeout)
    finally:
        response.close()
    status = response.status_code
    error: str | None = None
    if 300 <= status < 400:
        location = response.headers.get("location", "an unnamed location")
        error = f"redirect to {_printable(location)} not followed"
    elif not 200 <= status < 300:
        error = f"receiver answered HTTP {status}"
    return Outcome(status, error, time.monotonic() - started)


def _drain(response: httpx.Response, deadline: float) -> None:
    """Read at most MAX_RESPONSE_BYTES of the body and discard it; the status is the answer,
    so a body that fails or drags on does not change the outcome."""
    received = 0
    try:
        for chunk in response.iter_raw():  # as it arrives, so the deadline is seen
            received += len(chunk)
            if received >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                return
    except (httpx.HTTPError, httpx.StreamError, OSError):
        return


def _short(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return _printable(text)


def _printable(text: str) -> str:
    cleaned = "".join(char if char.isprintable() else "?" for char in text)
    if len(cleaned) > _MAX_ERROR_CHARS:
        return cleaned[: _MAX_ERROR_CHARS - 3] + "..."
    return cleaned
