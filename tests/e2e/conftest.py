"""A live `perfledger serve` process per test (or per module, each test an organization of
its own on it), on a free port, on each backend."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.settings import Settings
from perfledger.projections.tenant_positions import TenantPositions
from tests.conftest import SECRET
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

    def position_token(self, bearer: str, position: int) -> int:
        """The token naming `position` for the organization of the `bearer` token (a position
        no answer gave, such as one far ahead)."""
        secret = (Path(self.env["PERFLEDGER_DATA_DIR"]) / "jwt-secret").read_text().strip()
        organization = jwt.decode(bearer, options={"verify_signature": False})["org"]
        return TenantPositions(secret).token(organization, position)


LISTENING = re.compile(r"Uvicorn running on (http://[0-9.]+:[0-9]+)")


def listening_url(process: subprocess.Popen[str], log: Path) -> str:
    """Where a server started on port 0 listens, as it says in its log: the port is the
    kernel's choice, so two test runs at once never race for one."""

    def url() -> str | None:
        if process.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text()}")
        found = LISTENING.search(log.read_text())
        return found.group(1) if found else None

    found: str = wait_for(url, f"the server to listen (log: {log})")
    return found


@contextlib.contextmanager
def started_server(settings: Settings, folder: Path, extra_env: Mapping[str, str] | None = None
                   ) -> Iterator[LiveServer]:
    """`perfledger serve` on the store of `settings` (its data in `folder`/live, its secret
    generated there on first start), until the block ends."""
    env = {
        **os.environ,
        **(extra_env or {}),
        "PERFLEDGER_DATA_DIR": str(folder / "live"),
        "PERFLEDGER_PORT": "0",
    }
    env.pop("PERFLEDGER_JWT_SECRET", None)
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    log = folder / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfledger.api.cli", "serve"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        server = LiveServer(listening_url(process, log), env, process, log)
        _wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def live_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    with started_server(settings, tmp_path) as server:
        yield server


@dataclass
class Tenant:
    """An organization of its own on a live server that other tests share: its admin token
    is signed with the secret the server generated, as the server's first token is."""

    server: LiveServer
    organization: str
    token: str

    @property
    def url(self) -> str:
        return self.server.url


def tenant_of(server: LiveServer) -> Tenant:
    """A new organization on `server`, and a token of its admin."""
    secret = (Path(server.env["PERFLEDGER_DATA_DIR"]) / "jwt-secret").read_text().strip()
    organization = str(uuid.uuid4())
    return Tenant(server, organization,
                  mint_token(secret, organization, [ADMIN], subject="admin", ttl_seconds=3600))


def _wait_until_healthy(server: LiveServer) -> None:
    def healthy() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"server exited early:\n{server.log.read_text()}")
        try:
            return httpx.get(f"{server.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, f"the server to become healthy (log: {server.log})", step=0.1)


@pytest.fixture
def live_server_with_loopback_webhooks(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> LiveServer:
    """A live server (on each backend, as `settings` is) whose tenants may register http://
    webhooks on 127.0.0.1: PERFLEDGER_WEBHOOK_ALLOW is set before the server starts."""
    monkeypatch.setenv("PERFLEDGER_WEBHOOK_ALLOW", "127.0.0.1:*")
    server: LiveServer = request.getfixturevalue("live_server")
    return server


@pytest.fixture(scope="session")
def demo_loads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Any]]:
    """`perfledger demo` run once per session on each backend, when first asked for: the
    demo's own test and the dashboard's each use a copy of what it loaded."""
    from tests.e2e.dashboard_support import LoadedDemo, loaded_demo

    with contextlib.ExitStack() as kept:
        loads: dict[str, LoadedDemo] = {}

        def load(backend: str) -> LoadedDemo:
            if backend not in loads:
                folder = tmp_path_factory.mktemp(f"demo-{backend}")
                loads[backend] = kept.enter_context(loaded_demo(backend, folder))
            return loads[backend]

        yield load


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dashboard_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                     demo_loads: Callable[[str], Any]) -> Iterator[object]:
    """`perfledger serve` over a copy of the demo data, once per module on each backend."""
    from tests.e2e.dashboard_support import demo_server

    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"dashboard-{backend}")
    with demo_server(demo_loads(backend), folder) as server:
        yield server


@pytest.fixture(scope="module")
def dashboard_browser() -> Iterator[object]:
    """One headless Chromium per module."""
    from tests.e2e.dashboard_support import chromium

    with chromium() as browser:
        yield browser


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[tuple[subprocess.Popen[str], Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[str]:
        log = self.logs / f"{name}.log"
        with log.open("w") as sink:
            process = subprocess.Popen([sys.executable, "-m", "perfledger.api.cli", *args],
                                       env=self.env,
                                       stdout=sink, stderr=subprocess.STDOUT, text=True)
        self.running.append((process, log))
        return process

    def log_of(self, process: subprocess.Popen[str]) -> Path:
        return next(log for running, log in self.running if running is process)

    def stop_all(self) -> None:
        for process, _ in self.running:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def processes(settings: Settings, tmp_path: Path) -> Iterator[Processes]:
    env = {**os.environ, "PERFLEDGER_DATA_DIR": str(tmp_path / "shared"),
           "PERFLEDGER_JWT_SECRET": SECRET}
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    group = Processes(env, tmp_path)
    yield group
    group.stop_all()


def wait_healthy(url: str) -> None:
    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, f"{url} to become healthy", step=0.1)


def trained_binary_model(url: str, headers: dict[str, str]) -> tuple[str, str]:
    """A binary classifier (labels no, yes) with a trained version v1: its id, and its
    versions' URL."""
    model = httpx.post(f"{url}/api/v1/models", headers=headers, json={
        "name": "m", "task": "binary_classification", "labels": ["no", "yes"]}).json()
    versions = f"{url}/api/v1/models/{model['id']}/versions"
    httpx.post(versions, headers=headers, json={"version_id": "v1"}).raise_for_status()
    for status in ("training", "trained"):
        httpx.patch(f"{versions}/v1", headers=headers,
                    json={"status": status}).raise_for_status()
    return str(model["id"]), versions


def poll_summary(url: str, model_id: str, headers: dict[str, str], position: int
                 ) -> dict[str, Any]:
    def summary() -> dict[str, Any] | None:
        answer = httpx.get(f"{url}/api/v1/models/{model_id}/performance/summary",
                           params={"min_position": position}, headers=headers, timeout=10)
        assert answer.status_code in (200, 503), answer.text
        return dict(answer.json()) if answer.status_code == 200 else None

    found: dict[str, Any] = wait_for(summary, "the standby worker to catch the projections up",
                                     timeout=60)
    return found
