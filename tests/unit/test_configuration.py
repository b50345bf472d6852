"""Configuration errors name the variable and what to do; the CLI exits without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfledger.api.settings import Settings
from perfledger.projections.storage import StorageConfig
from tests.at_once import in_processes_at_once


def test_defaults_are_embedded_sqlite_in_var(tmp_path: Path) -> None:
    settings = Settings.from_env({"PERFLEDGER_DATA_DIR": str(tmp_path)})
    assert settings.storage.database_url is None
    assert settings.storage.event_store_env()["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert (settings.host, settings.port, settings.max_body_bytes) == ("127.0.0.1", 8000,
                                                                       33554432)
    assert StorageConfig.from_env({}).data_dir == Path("./var")


def test_the_generated_secret_is_kept_and_reused(tmp_path: Path) -> None:
    first = Settings.from_env({"PERFLEDGER_DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"PERFLEDGER_DATA_DIR": str(tmp_path)})
    assert first.secret_was_generated and not second.secret_was_generated
    assert first.jwt_secret == second.jwt_secret and len(first.jwt_secret) >= 32
    configured = Settings.from_env({"PERFLEDGER_DATA_DIR": str(tmp_path),
                                    "PERFLEDGER_JWT_SECRET": "s" * 40})
    assert configured.jwt_secret == "s" * 40


def test_processes_starting_at_once_on_a_new_data_directory_share_one_secret(
        tmp_path: Path) -> None:
    """Each process reads the secret and the first organization whole, whoever made them
    (before they were written in place, about 4 rounds in 10 read one empty or another's)."""
    outcomes = in_processes_at_once(_generated_identity, [tmp_path / f"round-{n}" / "data"
                                                          for n in range(20)], processes=4)
    for round_ in outcomes:
        assert len(set(round_)) == 1, round_
        secret, organization = round_[0]
        assert len(secret) >= 32 and organization


def _generated_identity(data_dir: Path) -> tuple[str, str]:
    settings = Settings.from_env({"PERFLEDGER_DATA_DIR": str(data_dir)})
    return settings.jwt_secret, settings.default_organization_id


def test_the_metrics_token_is_read_from_the_environment_and_never_shown(tmp_path: Path) -> None:
    base = {"PERFLEDGER_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).metrics_token is None
    assert Settings.from_env({**base, "PERFLEDGER_METRICS_TOKEN": ""}).metrics_token is None
    configured = Settings.from_env({**base, "PERFLEDGER_METRICS_TOKEN": "scrape-me"})
    assert configured.metrics_token == "scrape-me" and "scrape-me" not in repr(configured)


def test_the_switch_interval_is_a_millisecond_unless_set(tmp_path: Path) -> None:
    base = {"PERFLEDGER_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).switch_interval_ms == 1
    assert Settings.from_env({**base, "PERFLEDGER_SWITCH_INTERVAL_MS": "5"}).switch_interval_ms == 5
    with pytest.raises(ValueError, match="from 1 to 100, got 500"):
        Settings.from_env({**base, "PERFLEDGER_SWITCH_INTERVAL_MS": "500"})


def test_a_postgres_url_configures_the_event_store() -> None:
    storage = StorageConfig.from_env(
        {"PERFLEDGER_DATABASE_URL": "postgresql://u:p%40ss@db.internal:6543/ledger"})
    env = storage.event_store_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.internal", "6543", "ledger")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("u", "p@ss")
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env and env["POSTGRES_LOCK_TIMEOUT"]


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("PERFLEDGER_PORT", "eighty", "PERFLEDGER_PORT must be a whole number"),
    ("PERFLEDGER_DATABASE_URL", "mysql://x", "must be a postgresql:// URL"),
    ("PERFLEDGER_SWITCH_INTERVAL_MS", "0", "PERFLEDGER_SWITCH_INTERVAL_MS must be from 1 to 100"),
    ("PERFLEDGER_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none",
     "Start the database server"),
])
def test_the_cli_explains_bad_configuration_without_a_traceback(
        tmp_path: Path, variable: str, value: str, message: str) -> None:
    env = {"PERFLEDGER_DATA_DIR": str(tmp_path), variable: value, "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "rebuild"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr


def test_revoking_an_unknown_api_key_says_so_without_a_traceback(tmp_path: Path) -> None:
    env = {"PERFLEDGER_DATA_DIR": str(tmp_path), "PATH": ""}
    unknown = "6a7b3c1e-0000-4000-8000-000000000000"
    done = subprocess.run([sys.executable, "-m", "perfledger.api.cli", "api-key", "revoke",
                           unknown],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert f"ApiKey '{unknown}' not found" in done.stderr and "Traceback" not in done.stderr
