"""`GET /api/v1/metrics/prometheus`: the caller's organization's monitored values and open
alerts in the Prometheus text format, for a per-tenant scrape job (the service's own health
is `GET /metrics`, with no tenant data)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from litestar import Request, Response, get
from litestar.enums import MediaType
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from perfledger.api.auth import Principal, requires_any
from perfledger.projections.database import Database, Tx
from perfledger.projections.monitoring.latest import monitored_values, open_alert_counts


def now_micros() -> int:
    return int(time.time() * 1_000_000)


MONITOR_LABELS = ["model", "model_id", "version", "monitor", "monitor_id", "metric", "bucket"]


class OrganizationCollector(Collector):
    """The metric families of one organization, read in one transaction."""

    def __init__(self, tx: Tx, organization_id: str, now: int) -> None:
        self._tx = tx
        self._organization_id = organization_id
        self._now = now

    def collect(self) -> Iterator[Any]:
        value = GaugeMetricFamily(
            "perfledger_monitor_value", "The latest bucket value of each monitored metric",
            labels=MONITOR_LABELS)
        labeled = GaugeMetricFamily(
            "perfledger_monitor_labeled_rows", "Labeled rows of that bucket",
            labels=MONITOR_LABELS)
        rows = GaugeMetricFamily(
            "perfledger_monitor_rows", "Rows of that bucket (a monitor of an input metric)",
            labels=MONITOR_LABELS)
        started = GaugeMetricFamily(
            "perfledger_monitor_bucket_start_seconds", "Start of that bucket (Unix time)",
            labels=MONITOR_LABELS)
        for found in monitored_values(self._tx, self._organization_id, self._now):
            labels = [found.model_name, found.model_id, found.version_id, found.monitor_name,
                      found.monitor_id, found.metric, found.bucket]
            value.add_metric(labels, found.value)
            if found.watches_inputs:
                rows.add_metric(labels, found.row_count)
            else:
                labeled.add_metric(labels, found.row_count)
            started.add_metric(labels, found.bucket_start_seconds)
        alerts = GaugeMetricFamily(
            "perfledger_open_alerts", "Open alerts by monitor and severity",
            labels=["model", "monitor", "monitor_id", "severity"])
        for model, monitor_id, monitor, severity, count in open_alert_counts(
                self._tx, self._organization_id):
            alerts.add_metric([model, monitor, monitor_id, severity], count)
        yield from (value, labeled, rows, started, alerts)


@get("/metrics/prometheus", operation_id="v1OrganizationMetrics", tags=["v1 monitors"],
     guards=[requires_any("model:read")], media_type=MediaType.TEXT, sync_to_thread=True,
     summary="The organization's monitored values and open alerts, for Prometheus")
def organization_metrics(principal: Principal, database: Database,
                         request: Request[Any, Any, Any]) -> Response[bytes]:
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    registry = CollectorRegistry(auto_describe=False)
    with database.read() as tx:
        registry.register(OrganizationCollector(tx, principal.organization_id, now_micros()))
        body = encode(registry)
    return Response(body, media_type=MediaType.TEXT, headers={"Content-Type": content_type})
