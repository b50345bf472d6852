"""What an operator relies on: private files from creation, a strong secret, a token printed
once and never logged."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import LiveServer


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_every_file_in_it_are_private_from_creation(
    live_server: LiveServer,
) -> None:
    token = live_server.first_token()
    upload = httpx.post(f"{live_server.url}/v3/files/upload",
                        files={"file": ("rows.csv", b"a,b\n1,2\n")},
                        headers={"Authorization": f"Bearer {token}"})
    assert upload.status_code == 200, upload.text
    data_dir = Path(live_server.env["PERFLEDGER_DATA_DIR"])
    assert mode_of(data_dir) == 0o700
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    names = {path.name for path in files}
    assert {"jwt-secret", "default-organization"} <= names
    if "PERFLEDGER_DATABASE_URL" not in live_server.env:
        assert "perfledger.sqlite3" in names
    assert any(len(name) == 64 for name in names), "the upload is stored by its digest"
    assert {path.name: mode_of(path) for path in files} == {path.name: 0o600 for path in files}
    assert all(mode_of(path) == 0o700 for path in data_dir.rglob("*") if path.is_dir())


def test_the_first_token_is_printed_once_and_never_logged(live_server: LiveServer) -> None:
    token = live_server.first_token()
    output = live_server.log.read_text()
    assert output.count(token) == 1
    line = next(line for line in output.splitlines() if token in line)
    assert line.strip() == token, "the token stands alone on its line, not in a log record"


def test_a_short_jwt_secret_is_refused_at_start_with_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "PERFLEDGER_DATA_DIR": str(tmp_path), "PERFLEDGER_JWT_SECRET": "a"}
    env.pop("PERFLEDGER_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "serve"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "at least 32" in done.stderr and "openssl rand" in done.stderr
