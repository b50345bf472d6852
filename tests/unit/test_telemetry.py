"""The service's own metrics: one registry per container, and labels no caller can grow."""

from __future__ import annotations

from perfledger.api.telemetry import Telemetry

REQUESTS = "perfledger_http_requests_total"


def test_each_container_counts_in_a_registry_of_its_own() -> None:
    first, second = Telemetry(), Telemetry()  # the library's global one would refuse
    first.count_appended(["domain.model:Model.Registered"])
    labels = {"event_type": "Model.Registered"}
    assert first.registry.get_sample_value("perfledger_events_appended_total", labels) == 1
    assert second.registry.get_sample_value("perfledger_events_appended_total", labels) is None


def test_events_are_counted_by_their_stored_name_without_its_module() -> None:
    metrics = Telemetry()
    metrics.count_appended(["domain.batches:PredictionBatch.Recorded"] * 2)
    assert metrics.registry.get_sample_value(
        "perfledger_events_appended_total", {"event_type": "PredictionBatch.Recorded"}) == 2


def test_a_method_no_route_serves_is_counted_as_other() -> None:
    metrics = Telemetry()
    metrics.observe_request("unmatched", "BREW", 405, 0.01)
    metrics.observe_request("/health", "GET", 200, 0.01)
    assert metrics.registry.get_sample_value(
        REQUESTS, {"route": "unmatched", "method": "other", "status": "405"}) == 1
    assert metrics.registry.get_sample_value(
        REQUESTS, {"route": "/health", "method": "GET", "status": "200"}) == 1


def test_leadership_reads_as_1_only_while_the_process_leads() -> None:
    metrics = Telemetry()
    assert metrics.registry.get_sample_value("perfledger_scheduler_leader") == 0
    leading = [True]
    metrics.follow_leadership(lambda: leading[0])
    assert metrics.registry.get_sample_value("perfledger_scheduler_leader") == 1
    leading[0] = False
    assert metrics.registry.get_sample_value("perfledger_scheduler_leader") == 0
