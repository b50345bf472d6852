"""A killed catch-up resumes exactly once; a rebuild reproduces the same views."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from tests.scenario import Scenario
from tests.waiting import wait_for

CRASH_SCRIPT = Path(__file__).with_name("crash_during_catch_up.py")


def service_env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "PERFLEDGER_DATA_DIR": str(settings.storage.data_dir),
        "PERFLEDGER_JWT_SECRET": settings.jwt_secret,
    }
    env.pop("PERFLEDGER_DATABASE_URL", None)
    if settings.storage.database_url:
        env["PERFLEDGER_DATABASE_URL"] = settings.storage.database_url
    return env


def record_batches(scenario: Scenario, batches: int, rows: int) -> None:
    scenario.create_model(name="churn", task="binary_classification", labels=["no", "yes"])
    scenario.trained_version()
    for b in range(batches):
        scenario.send_predictions(
            "v1",
            [
                {
                    "row_id": f"r{b}-{i}",
                    "predicted_label": "yes" if (i + b) % 3 else "no",
                    "score": ((i * 7 + b) % 10) / 10,
                    "true_label": "yes" if i % 2 else "no",
                }
                for i in range(rows)
            ],
        )


@pytest.fixture
def quiet(scenario: Scenario) -> Scenario:
    """Nothing catches up unless the test says so."""
    scenario.container.wake_projections = lambda: None
    return scenario


def test_a_catch_up_killed_mid_page_resumes_without_double_counting(
    quiet: Scenario, settings: Settings, tmp_path: Path
) -> None:
    record_batches(quiet, batches=6, rows=50)
    marker = tmp_path / "frozen"
    worker = subprocess.Popen(
        [sys.executable, str(CRASH_SCRIPT), str(marker)], env=service_env(settings)
    )
    wait_for(lambda: marker.exists() or worker.poll() is not None,
             "the catch-up process to reach page two")
    assert worker.poll() is None, "the catch-up process ended before freezing"

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    engine = quiet.container.engine
    applied_before_crash = engine.visible_position(["performance"])
    quiet.catch_up()
    summary = quiet.summary()
    assert summary["sample_count"] == 300 and summary["labeled_count"] == 300
    assert sum(map(sum, quiet.get("/performance/confusion-matrix").json()["matrix"])) == 300
    assert applied_before_crash < quiet.head()
    assert engine.check_drift("performance") == []


def test_rebuild_reproduces_the_same_views(quiet: Scenario) -> None:
    record_batches(quiet, batches=3, rows=40)
    quiet.send_labels(
        "v1", [{"row_id": "r0-0", "true_label": "yes"}, {"row_id": "missing", "true_label": "no"}]
    )
    quiet.post("/versions/v1/promote", {})
    quiet.catch_up()
    before = (
        quiet.get("/performance/summary").json(),
        quiet.get("/performance/confusion-matrix").json(),
        quiet.get("/versions").json(),
        quiet.get("/history").json(),
    )
    engine = quiet.container.engine

    generations = [engine.rebuild(name) for name in engine.projections]

    assert generations == [2] * len(engine.projections)
    after = (
        quiet.get("/performance/summary").json(),
        quiet.get("/performance/confusion-matrix").json(),
        quiet.get("/versions").json(),
        quiet.get("/history").json(),
    )
    assert after == before
    assert all(engine.check_drift(name) == [] for name in engine.projections)


def test_maintenance_reports_drift_when_a_view_was_tampered_with(quiet: Scenario) -> None:
    record_batches(quiet, batches=1, rows=10)
    quiet.catch_up()
    engine = quiet.container.engine
    with engine.database.transaction() as tx:
        tx.execute("UPDATE perf_rows_g1 SET pred_code = 1 - pred_code WHERE row_id = 'r0-0'")

    drift = engine.check_drift("performance")

    assert any(line.startswith("perf_rows") for line in drift)


def test_the_rebuild_command_shows_progress_and_keeps_answers(
    quiet: Scenario, settings: Settings
) -> None:
    record_batches(quiet, batches=2, rows=20)
    quiet.catch_up()
    before = quiet.get("/performance/summary").json()

    done = subprocess.run(
        [sys.executable, "-m", "perfledger.api.cli", "rebuild"],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "rebuilt performance" in done.stdout
    assert quiet.get("/performance/summary").json() == before


def test_a_database_from_before_the_visible_column_was_renamed_keeps_working(
    scenario: Scenario,
) -> None:
    record_batches(scenario, batches=1, rows=3)
    scenario.catch_up()
    engine = scenario.container.engine
    with engine.database.transaction() as tx:
        tx.execute("ALTER TABLE projection_state RENAME COLUMN visible TO published")
    engine.install()  # what the next start does
    engine.positions.refresh()
    assert engine.visible_position(["performance"]) == engine.log.head()
    assert scenario.summary()["sample_count"] == 3


def test_a_release_that_changes_a_projections_tables_rebuilds_it_at_start(
        scenario: Scenario, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    record_batches(scenario, batches=3, rows=50)
    before = scenario.summary()
    engine = scenario.container.engine
    with engine.database.transaction() as tx:
        live = engine.live_generation(tx, "performance")
        # Step: the live tables were built by a release whose DDL differs from this one's.
        tx.execute("UPDATE projection_schema SET digest = 'older' WHERE name = 'performance'")

    with caplog.at_level("WARNING", logger="perfledger.projections"):
        restarted = build_container(settings)
    messages = [record.getMessage() for record in caplog.records]
    assert any("performance: this release defines its tables differently" in m
               for m in messages)
    assert any(m.startswith("rebuilding performance:") and m.endswith("(100%)")
               for m in messages)
    try:
        with restarted.database.read() as tx:
            assert restarted.engine.live_generation(tx, "performance") == live + 1
            assert tx.value("SELECT digest FROM projection_schema WHERE name = 'performance'"
                            ) != "older"
            assert restarted.engine.live_generation(tx, "registry") == 1  # unchanged: kept
    finally:
        restarted.close()
    assert scenario.summary() == before


def test_a_release_that_has_a_projection_read_other_events_rebuilds_it_at_start(
        scenario: Scenario, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfledger.projections.performance.projection import PerformanceProjection

    record_batches(scenario, batches=2, rows=20)
    before = scenario.summary()
    with scenario.container.database.read() as tx:
        live = scenario.container.engine.live_generation(tx, "performance")
    # Step: the same tables, but the projection now reads one more kind of event.
    monkeypatch.setattr(PerformanceProjection, "topics",
                        (*PerformanceProjection.topics, "perfledger.example:Other.Event"))

    restarted = build_container(settings)
    try:
        with restarted.database.read() as tx:
            assert restarted.engine.live_generation(tx, "performance") == live + 1
            assert restarted.engine.live_generation(tx, "registry") == 1
    finally:
        restarted.close()
    assert scenario.summary() == before
