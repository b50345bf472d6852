"""The README's quick tour, run as written: its shell blocks against a live server (and
the receiver it starts), on each backend. It must leave a non-empty chart, segments with
apac worst, a firing monitor whose alerts reach the receiver signed, and a dashboard page
that draws the chart in Chromium."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from perfledger.api.settings import Settings
from tests.e2e.conftest import LiveServer, started_server
from tests.e2e.dashboard_support import DemoServer, PageWatch, chromium, signed_in_context
from tests.waiting import wait_for

README = Path(__file__).resolve().parents[2] / "README.md"
SERVICE_URL = "http://127.0.0.1:8000"
RECEIVER_PORT = "9000"


def tour_blocks() -> list[str]:
    """The shell blocks of the README's quick tour, in order (its subsections, which need
    the demo, excluded)."""
    text = README.read_text()
    start = text.index("## Quick tour\n")
    end = text.index("\n##", start + len("## Quick tour\n"))
    return re.findall(r"```sh\n(.*?)```", text[start:end], re.S)


def json_values(text: str) -> list[Any]:
    """The JSON values `curl -s` printed one after another (its answers end without a
    newline)."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        value, at = decoder.raw_decode(text, at)
        values.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return values


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def environment_of(serve_line: str) -> dict[str, str]:
    """`NAME=value perfledger serve`: the settings the tour starts the service with."""
    words = shlex.split(serve_line)
    assert words[-2:] == ["perfledger", "serve"], serve_line
    return dict(word.split("=", 1) for word in words[:-2])


@pytest.fixture
def receiver_port() -> str:
    return free_port()


@pytest.fixture
def tour_server(settings: Settings, tmp_path: Path, receiver_port: str
                ) -> Iterator[tuple[LiveServer, list[str]]]:
    """The service started as the tour says, and the tour's blocks pointed at it: its port,
    and the receiver's, are the kernel's choice (test runs at once must not collide)."""
    blocks = [block.replace(f":{RECEIVER_PORT}", f":{receiver_port}") for block in tour_blocks()]
    serve_line = blocks[1].strip().splitlines()[0]
    with started_server(settings, tmp_path, environment_of(serve_line)) as server:
        yield server, [block.replace(SERVICE_URL, server.url) for block in blocks]


def test_the_readme_quick_tour_runs_as_written(
        tour_server: tuple[LiveServer, list[str]], receiver_port: str, tmp_path: Path) -> None:
    server, blocks = tour_server
    token = server.first_token()
    tour, receiver_lines, alerts_block = blocks
    echo_words = shlex.split(receiver_lines.strip().splitlines()[1])
    assert echo_words[:2] == ["perfledger", "webhook-echo"]
    printed = tmp_path / "webhook-echo.out"
    bin_dir = str(Path(sys.executable).parent)
    env = {**server.env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    with printed.open("w") as sink:
        receiver = subprocess.Popen([*echo_words, "--port", receiver_port], env=env,
                                    stdout=sink, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: "listening" in printed.read_text(), "webhook-echo to listen")
        script = re.sub(r"^TOKEN=.*$", f"TOKEN={token}", tour + alerts_block, count=1,
                        flags=re.M)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, run.stderr
        answers = run.stdout
        # Every answer the tour prints is a success: v1 errors carry a status_code.
        assert '"status_code"' not in answers, answers

        model_id = re.search(r"/ui/models/([0-9a-f-]{36})", answers).group(1)
        open_alerts = json_values(answers.strip().splitlines()[-1])[-1]
        assert open_alerts, "the tour's monitor raised no alert"
        assert {alert["severity"] for alert in open_alerts} <= {"warning", "critical"}

        def delivered() -> str | None:
            text = printed.read_text()
            return text if "== alert.raised" in text else None

        deliveries = wait_for(delivered, "an alert delivered to webhook-echo", timeout=30)
        assert "signature valid" in deliveries and "SIGNATURE INVALID" not in deliveries
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)

    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        base = f"/api/v1/models/{model_id}/performance"
        points = api.get(f"{base}/timeseries").json()["points"]
        segments = api.get(f"{base}/segments", params={"by": "region"}).json()["segments"]
    assert sum(point["sample_count"] for point in points) == 600
    assert segments[0]["value"] == "apac"
    _the_dashboard_charts_it(server, token, model_id)


def _the_dashboard_charts_it(server: LiveServer, token: str, model_id: str) -> None:
    demo = DemoServer(server.url, "tour", token, server.env, server.log)
    with chromium() as browser:
        context = signed_in_context(browser, demo)
        page = context.new_page()
        watch = PageWatch(page, server.url)
        page.goto(f"{server.url}/ui/models/{model_id}")
        latest = page.wait_for_selector("#over-time-latest[data-value]")
        assert 0.0 <= float(latest.get_attribute("data-value")) <= 1.0
        page.wait_for_load_state("networkidle")
        watch.assert_clean()
        context.close()
