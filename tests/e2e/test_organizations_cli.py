"""`perfledger orgs`: organizations listed with their names and models, created and named
from the command line; `--org` takes a name wherever it takes an id."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from perfledger.api.settings import Settings
from tests.e2e.conftest import started_server


def command_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    # no secret given: the first command generates it into the data directory, and the
    # server started there later reads it
    env = {**os.environ, "PERFLEDGER_DATA_DIR": str(data_dir)}
    env.pop("PERFLEDGER_JWT_SECRET", None)
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    return env


def perfledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfledger.api.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_an_organization_created_by_name_gets_tokens_and_keys_by_that_name(
        settings: Settings, tmp_path: Path) -> None:
    env = command_env(settings, tmp_path / "live")
    created = perfledger(env, "orgs", "create", "acme")
    assert created.returncode == 0, created.stderr
    acme = re.search(r"created organization acme: ([0-9a-f-]{36})", created.stdout).group(1)

    taken = perfledger(env, "orgs", "create", "acme")
    assert taken.returncode != 0 and f"organization {acme}'s already" in taken.stderr
    refused = perfledger(env, "orgs", "create", "no spaces")
    assert refused.returncode != 0 and "1 to 64 letters" in refused.stderr
    unknown = perfledger(env, "token", "--org", "globex")
    assert unknown.returncode != 0
    assert "No organization is named 'globex'; `perfledger orgs` lists them" in unknown.stderr

    token = perfledger(env, "token", "--org", "acme").stdout.strip().splitlines()[-1]
    key = perfledger(env, "api-key", "create", "--org", "acme").stdout.strip().splitlines()[-1]
    other = str(uuid.uuid4())
    assert perfledger(env, "orgs", "name", other, "globex").returncode == 0

    with started_server(settings, tmp_path) as server:
        made = httpx.post(f"{server.url}/api/v1/models", json={
            "name": "m", "task": "regression"}, headers={"Authorization": f"Bearer {token}"})
        assert made.status_code == 201, made.text
        listed = httpx.get(f"{server.url}/api/v1/models", headers={"X-API-Key": key},
                           params={"min_position": made.json()["position"]}).json()
        assert [model["name"] for model in listed["models"]] == ["m"]

        shown = perfledger(env, "orgs")
    assert shown.returncode == 0, shown.stderr
    rows = {line.split()[0]: line.split()[1:] for line in shown.stdout.splitlines()[1:]}
    assert rows[acme] == ["acme", "1"]
    assert rows[other] == ["globex", "0"]
    default = shown.stdout.splitlines()[1].split()
    assert default[1:] == ["default", "0"]  # the first start's organization, listed first
