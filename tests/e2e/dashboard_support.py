"""What the dashboard's browser tests stand on: a live server over the demo data on either
backend, a headless Chromium, and a watch on every page for errors and foreign requests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from perfledger.api.auth import ADMIN, mint_token
from tests.conftest import SECRET, settings_for, throwaway_database
from tests.e2e.conftest import listening_url
from tests.waiting import wait_for

# Where the browser tests leave each page's picture: a directory of this run's own, unless
# PERFLEDGER_SCREENSHOTS names one (`docs/screenshots` regenerates the README's, see README).
SCREENSHOTS = Path(os.environ.get("PERFLEDGER_SCREENSHOTS") or
                   Path(tempfile.gettempdir()) / f"perfledger-screenshots-{os.getpid()}")
ORG = "0d3e6a5c-0000-4000-8000-0000000da5b0"
VIEWPORT = {"width": 1280, "height": 800}
CREDENTIAL_KEY = "perfledger.credential"


@dataclass
class DemoServer:
    """`perfledger serve` (with its scheduler) over what `perfledger demo` loaded."""

    url: str
    backend: str
    token: str
    env: dict[str, str]
    log: Path
    models: dict[str, str] = field(default_factory=dict)  # name -> id
    job_id: int = 0

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {self.token}"})


@dataclass
class LoadedDemo:
    """What `perfledger demo --org ORG` did to a fresh store of `backend`: the store (its data
    folder, and its PostgreSQL database, if any) is left as it was, to be copied for each use."""

    backend: str
    data_dir: Path
    database_url: str | None
    done: subprocess.CompletedProcess[str]


@contextlib.contextmanager
def loaded_demo(backend: str, folder: Path) -> Iterator[LoadedDemo]:
    """Runs `perfledger demo` on a fresh store of `backend`, kept until the block ends."""
    with _store(backend) as database_url:
        env = {**os.environ, "PERFLEDGER_DATA_DIR": str(folder / "data"),
               "PERFLEDGER_JWT_SECRET": SECRET}
        env.pop("PERFLEDGER_DATABASE_URL", None)
        if database_url:
            env["PERFLEDGER_DATABASE_URL"] = database_url
        done = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "demo", "--org", ORG],
                              env=env, capture_output=True, text=True, timeout=600, check=False)
        yield LoadedDemo(backend, folder / "data", database_url, done)


@contextlib.contextmanager
def copy_of(demo: LoadedDemo, folder: Path) -> Iterator[Path]:
    """A store of its own holding what the demo loaded (its data folder copied to
    `folder`, its database copied to a new one), as settings for it (SECRET signs tokens)."""
    assert demo.done.returncode == 0, demo.done.stderr[-4000:]
    if demo.data_dir.exists():  # on PostgreSQL the demo may have written no file
        shutil.copytree(demo.data_dir, folder)
    if demo.database_url is None:
        yield settings_for(folder, None)
        return
    # Nothing is connected to the demo's database (the demo has exited): a template may be.
    with throwaway_database(template=demo.database_url.rpartition("/")[2]) as database_url:
        yield settings_for(folder, database_url)


@contextlib.contextmanager
def demo_server(demo: LoadedDemo, folder: Path) -> Iterator[DemoServer]:
    """Serves a copy of what the demo loaded until the block ends."""
    with copy_of(demo, folder / "data") as settings:
        env = {**os.environ, "PERFLEDGER_DATA_DIR": str(settings.storage.data_dir),
               "PERFLEDGER_JWT_SECRET": SECRET, "PERFLEDGER_PORT": "0"}
        env.pop("PERFLEDGER_DATABASE_URL", None)
        if settings.storage.database_url:
            env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
        log = folder / "server.log"
        with log.open("w") as sink:
            process = subprocess.Popen([sys.executable, "-m", "perfledger.api.cli", "serve"],
                                       env=env, stdout=sink, stderr=subprocess.STDOUT, text=True)
        try:
            url = listening_url(process, log)
            wait_for(lambda: _healthy(url), f"the server to answer (log: {log})", step=0.1)
            token = mint_token(SECRET, ORG, [ADMIN], subject="analyst",
                               organization_name="Demo org", ttl_seconds=3600)
            server = DemoServer(url, demo.backend, token, env, log)
            with server.api() as api:
                listed = api.get("/api/v1/models").json()["models"]
                server.models = {model["name"]: model["id"] for model in listed}
                server.job_id = api.get("/api/v2/jobs").json()[0]["job_id"]
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def _store(backend: str) -> Iterator[str | None]:
    """None for SQLite; a throwaway PostgreSQL database of its own otherwise."""
    if backend == "sqlite":
        yield None
        return
    with throwaway_database() as database_url:
        yield database_url


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def chromium_executable() -> str:
    """Debian's chromium (or PERFLEDGER_CHROMIUM), installed with apt-get when it is missing
    and this user may. Still absent: a failure in CI (.ci/run installs it), else a skip."""
    found = _find_chromium() or (_install_chromium() and _find_chromium())
    if found:
        return found
    reason = "chromium is not installed and could not be (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _find_chromium() -> str | None:
    return os.environ.get("PERFLEDGER_CHROMIUM") or next(
        (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None)


def _install_chromium() -> bool:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    steps = [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]]
    return all(subprocess.run(step, capture_output=True, timeout=900, check=False).returncode
               == 0 for step in steps)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium, driven by Playwright (whose own browser download is not used)."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


def signed_in_context(browser: Any, server: DemoServer) -> Any:
    """A browser context whose tabs start signed in, as if the token had been pasted."""
    context = browser.new_context(viewport=VIEWPORT)
    stored = {"value": server.token, "scopes": [ADMIN]}
    context.add_init_script(
        f"window.sessionStorage.setItem({CREDENTIAL_KEY!r}, {_js(stored)});")
    return context


def _js(value: Any) -> str:
    """`value` as a JavaScript string literal holding its JSON."""
    return json.dumps(json.dumps(value))


class PageWatch:
    """Everything a page did wrong: console errors, uncaught exceptions, failed requests,
    answers of 400 and above, and requests to any origin but the server's."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.expected_statuses: set[int] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not self._expected(message.text):
            self.problems.append(f"console error: {message.text}")

    def _expected(self, text: str) -> bool:
        found = re.search(r"status of (\d{3})", text)
        return bool(found) and int(found.group(1)) in self.expected_statuses

    def _failed(self, request: Any) -> None:
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.expected_statuses:
            request = response.request
            self.problems.append(f"answer {response.status}: {request.method} {response.url}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))):
            self.foreign.append(url)

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)
        assert self.foreign == [], f"requests outside {self.origin}: {self.foreign}"


def screenshot(page: Any, name: str) -> Path:
    """The viewport as <name>.png in SCREENSHOTS, replaced whole (two test runs may race)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    partial = path.with_name(f".{name}-{uuid.uuid4().hex[:8]}.png")
    partial.write_bytes(page.screenshot())
    partial.replace(path)
    return path
