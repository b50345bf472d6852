"""A live `perfledger serve` process per test, on a free port, on each backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from perfledger.api.settings import Settings
from tests.waiting import wait_for


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log: Path

    def first_token(self) -> str:
        """The admin token the first embedded start prints, alone on its line."""
        lines = [line.strip() for line in self.log.read_text().splitlines()]
        return next(line for line in lines if line.count(".") == 2 and " " not in line)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    env = {
        **os.environ,
        "PERFLEDGER_DATA_DIR": str(tmp_path / "live"),
        "PERFLEDGER_PORT": str(port),
    }
    env.pop("PERFLEDGER_JWT_SECRET", None)
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfledger.api.cli", "serve"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", env, process, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_healthy(server: LiveServer) -> None:
    def healthy() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"server exited early:\n{server.log.read_text()}")
        try:
            return httpx.get(f"{server.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, f"the server to become healthy (log: {server.log})", step=0.1)
