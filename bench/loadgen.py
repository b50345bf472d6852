"""Cheap keep-alive HTTP/1.1 load: pre-encoded requests on raw asyncio streams, and wrk."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

HOST = "127.0.0.1"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
REQUEST_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class PreparedRequest:
    """One request, head and body already encoded: sending it costs two socket writes."""

    head: bytes
    body: bytes = b""

    @classmethod
    def build(cls, method: str, path: str, port: int, headers: dict[str, str],
              body: bytes = b"") -> PreparedRequest:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return cls(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), body)


@dataclass
class LoadResult:
    sent: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
        return ordered[rank]


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: PreparedRequest) -> tuple[int, bytes]:
    writer.write(request.head)
    if request.body:
        writer.write(request.body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    match = _CONTENT_LENGTH.search(head)
    if match is None:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    return status, await reader.readexactly(int(match.group(1)))


async def _drive(port: int, requests: Iterator[PreparedRequest], connections: int,
                 deadline: float, keep_bodies: bool, result: LoadResult) -> None:
    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for request in requests:  # one shared iterator: each request is sent once
                if time.monotonic() >= deadline:
                    result.timed_out = True
                    break
                started = time.perf_counter()
                status, body = await asyncio.wait_for(
                    _exchange(reader, writer, request), REQUEST_TIMEOUT_SECONDS)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] += 1
                result.sent += 1
                if keep_bodies:
                    result.bodies.append(body)
                if status >= 300 and len(result.errors) < 5:
                    result.errors.append(f"{status}: {body[:300]!r}")
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(connections)))


def run_requests(port: int, requests: Sequence[PreparedRequest], connections: int,
                 max_seconds: float, keep_bodies: bool = False) -> LoadResult:
    """Sends every request once over `connections` keep-alive connections (time-bounded)."""
    result = LoadResult()
    started = time.perf_counter()
    asyncio.run(_drive(port, iter(requests), connections, time.monotonic() + max_seconds,
                       keep_bodies, result))
    result.seconds = time.perf_counter() - started
    return result


def run_for(port: int, request: PreparedRequest, connections: int, seconds: float,
            max_requests: int = 10_000_000) -> LoadResult:
    """Repeats one request for `seconds` (the fallback when wrk is not installed)."""
    result = LoadResult()
    bounded = (request for _ in range(max_requests))
    started = time.perf_counter()
    asyncio.run(_drive(port, bounded, connections, time.monotonic() + seconds, False, result))
    result.seconds = time.perf_counter() - started
    result.timed_out = False
    return result


@dataclass(frozen=True)
class RateResult:
    """Requests per second of a repeated GET, and how they went."""

    tool: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_TOTAL = re.compile(r"(\d+) requests in")
_WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_ERRORS = re.compile(r"Socket errors:.*")
_WRK_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def measure_get(port: int, path: str, headers: dict[str, str], connections: int,
                seconds: float) -> RateResult:
    """GET `path` as fast as `connections` keep-alive connections allow, for `seconds`."""
    if wrk_available():
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
                "--latency"]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(f"http://{HOST}:{port}{path}")
        output = subprocess.run(argv, capture_output=True, text=True, check=True,
                                timeout=seconds + 60).stdout
        rate, total = _WRK_RATE.search(output), _WRK_TOTAL.search(output)
        if rate is None or total is None:
            raise RuntimeError(f"could not read wrk's output:\n{output}")
        non_2xx = _WRK_NON_2XX.search(output)
        errors = _WRK_ERRORS.search(output)
        failed = int(non_2xx.group(1)) if non_2xx else 0
        if errors:
            raise RuntimeError(f"wrk reported {errors.group(0)}:\n{output}")
        percentiles = {int(q): float(v) * _UNITS_MS[unit]
                       for q, v, unit in _WRK_PERCENTILE.findall(output)}
        return RateResult("wrk", int(total.group(1)), float(rate.group(1)),
                          percentiles.get(50, float("nan")), percentiles.get(99, float("nan")),
                          failed)
    request = PreparedRequest.build("GET", path, port, headers)
    result = run_for(port, request, connections, seconds)
    failed = sum(count for status, count in result.statuses.items() if status >= 300)
    return RateResult("python", result.sent, result.per_second, result.percentile(50) * 1e3,
                      result.percentile(99) * 1e3, failed)
