"""A connection that sends nothing, trickles its headers or its body, or idles after an
answer is closed once its bound passes (408 when nothing was answered yet), and the
others are served meanwhile."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from perfledger.api.settings import Settings
from tests.e2e.conftest import LiveServer, started_server

BOUND_SECONDS = 1
# The bound, and the slack a loaded test machine needs to notice it.
CLOSED_WITHIN_SECONDS = BOUND_SECONDS + 1.5


@pytest.fixture
def bounded_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    with started_server(settings, tmp_path, {
            "PERFLEDGER_HEADER_TIMEOUT_SECONDS": str(BOUND_SECONDS),
            "PERFLEDGER_BODY_TIMEOUT_SECONDS": str(BOUND_SECONDS),
            "PERFLEDGER_KEEP_ALIVE_SECONDS": str(BOUND_SECONDS)}) as server:
        yield server


def connect(server: LiveServer) -> socket.socket:
    address = urlsplit(server.url)
    connection = socket.create_connection((address.hostname, address.port), timeout=10)
    return connection


def trickle_until_closed(connection: socket.socket, pieces: list[bytes]) -> tuple[bytes, float]:
    """Sends one piece every 0.2 s (then nothing) until the server closes the connection:
    what it answered, and after how long."""
    started = time.monotonic()
    answer = b""
    connection.settimeout(0.2)
    while time.monotonic() - started < 30:
        if pieces:
            try:
                connection.sendall(pieces.pop(0))
            except OSError:
                break
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        answer += chunk
    return answer, time.monotonic() - started


def test_a_connection_sending_nothing_is_closed_after_the_header_bound(
        bounded_server: LiveServer) -> None:
    with connect(bounded_server) as connection:
        answer, seconds = trickle_until_closed(connection, [])

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not send its headers within 1 s" in answer
    assert BOUND_SECONDS - 0.1 <= seconds < CLOSED_WITHIN_SECONDS


def test_headers_trickled_a_byte_at_a_time_are_cut_at_the_bound(
        bounded_server: LiveServer) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: perfledger\r\nX-Slow: " + b"a" * 100
    with connect(bounded_server) as connection:
        answer, seconds = trickle_until_closed(connection, [bytes([b]) for b in request])

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert seconds < CLOSED_WITHIN_SECONDS


def test_a_body_trickled_past_its_bound_is_cut(bounded_server: LiveServer) -> None:
    head = (b"POST /api/v1/models HTTP/1.1\r\nHost: perfledger\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    with connect(bounded_server) as connection:
        answer, seconds = trickle_until_closed(connection, [head] + [b" "] * 100)

    assert b"200 OK" not in answer and b"201 Created" not in answer
    assert seconds < CLOSED_WITHIN_SECONDS


def test_an_idle_kept_alive_connection_is_closed_after_its_bound_and_others_are_served(
        bounded_server: LiveServer) -> None:
    with connect(bounded_server) as idle:
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: perfledger\r\n\r\n")
        answer, seconds = trickle_until_closed(idle, [])
        assert httpx.get(f"{bounded_server.url}/health", timeout=5).status_code == 200

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert seconds < CLOSED_WITHIN_SECONDS


def test_the_bounds_are_settings_with_a_range() -> None:
    with pytest.raises(ValueError, match="PERFLEDGER_HEADER_TIMEOUT_SECONDS must be from 1"):
        Settings.from_env({"PERFLEDGER_HEADER_TIMEOUT_SECONDS": "0",
                           "PERFLEDGER_JWT_SECRET": "x" * 40})
