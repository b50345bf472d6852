"""The optional Prometheus of docker-compose scrapes /metrics and alerts on projection lag."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "prometheus"


def test_prometheus_runs_only_under_the_monitoring_profile_with_the_files_it_mounts() -> None:
    prometheus = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][
        "prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    mounted = {volume.split(":")[0] for volume in prometheus["volumes"]}
    assert {"./docs/prometheus/prometheus.yml", "./docs/prometheus/alerts.yml"} <= mounted
    assert all((ROOT / source).is_file() for source in mounted
               if source.startswith("./docs/"))


def test_prometheus_scrapes_every_api_replica_metrics_and_loads_the_alerts() -> None:
    config = yaml.safe_load((CONFIG / "prometheus.yml").read_text())
    [job] = [job for job in config["scrape_configs"] if job["job_name"] == "perfledger"]
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"] == [{"names": ["api"], "type": "A", "port": 8000}]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_an_alert_fires_on_projection_lag_above_10000_events_for_5_minutes() -> None:
    rules = yaml.safe_load((CONFIG / "alerts.yml").read_text())
    [lagging] = [rule for group in rules["groups"] for rule in group["rules"]
                 if rule["alert"] == "PerfledgerProjectionLagging"]
    assert "perfledger_projection_lag_events" in lagging["expr"]
    assert lagging["expr"].endswith("> 10000") and lagging["for"] == "5m"


def test_prometheus_scrapes_an_organizations_own_values_with_its_token_file() -> None:
    config = yaml.safe_load((CONFIG / "prometheus.yml").read_text())
    [job] = [job for job in config["scrape_configs"]
             if job["job_name"] == "perfledger-organization"]
    assert job["metrics_path"] == "/api/v1/metrics/prometheus"
    secret = job["authorization"]["credentials_file"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = {volume.split(":")[1]: volume.split(":")[0]
              for volume in compose["services"]["prometheus"]["volumes"]}
    assert str(Path(secret).parent) in mounts
