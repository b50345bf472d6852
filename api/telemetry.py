"""The service's own metrics for Prometheus: requests, appends, catch-up, projections, leader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from perfledger.projections.engine import Engine
from perfledger.projections.state import live_status
from perfledger.scheduler.webhooks.log import delivery_counts

# Any other method a client invents is counted as `other`: a label value a caller picks
# freely would let one caller grow the series without bound.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
HTTP_LABELS = ("route", "method", "status")


class Telemetry:
    """The metrics of one service process, in a registry of its own (not the library's global
    one), so each container, and each test's, counts apart.

    No label names a tenant: routes are templates, events are counted by type, projections by
    name.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "perfledger_http_requests", "HTTP requests answered, by route template, method and"
            " status", HTTP_LABELS, registry=self.registry)
        self._latency = Histogram(
            "perfledger_http_request_duration_seconds", "Time to answer an HTTP request, by"
            " route template, method and status", HTTP_LABELS, registry=self.registry)
        self._appended = Counter(
            "perfledger_events_appended", "Events this process appended to the log, by type",
            ("event_type",), registry=self.registry)
        self._applied = Counter(
            "perfledger_catch_up_events_applied", "Events this process's catch-up applied to a"
            " projection's live tables", ("projection",), registry=self.registry)
        self._leading: Callable[[], bool] = lambda: False
        leader = Gauge("perfledger_scheduler_leader", "1 while this process runs the scheduler"
                       " tasks (holds the leadership), else 0", registry=self.registry)
        leader.set_function(lambda: float(self._leading()))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        labels = (route, method if method in KNOWN_METHODS else OTHER_METHOD, str(status))
        self._requests.labels(*labels).inc()
        self._latency.labels(*labels).observe(seconds)

    def count_appended(self, topics: Sequence[str]) -> None:
        """Counts saved events by their stored topic's name (`PredictionBatch.Recorded`)."""
        for topic in topics:
            self._appended.labels(topic.rpartition(":")[2]).inc()

    def count_applied(self, projection: str, events: int) -> None:
        self._applied.labels(projection).inc(events)

    def follow_projections(self, engine: Engine) -> None:
        """Reports each projection's position, lag and quarantine as read at scrape time, and
        its catch-up count from 0 (a series that appears late hides its first increase)."""
        for name in engine.projections:
            self._applied.labels(name)
        self.registry.register(ProjectionCollector(engine))

    def follow_leadership(self, is_leading: Callable[[], bool]) -> None:
        self._leading = is_leading


class ProjectionCollector(Collector):
    """Reads the projections' state from the database on each scrape, so the figures are the
    database's (every process agrees on them), not what this process last saw."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterable[Metric]:
        # One read of the head for every figure, so that position + lag is the head shown.
        engine = self._engine
        last = engine.log.head()
        head = GaugeMetricFamily("perfledger_event_log_head",
                                 "Position of the last event appended to the log")
        head.add_metric([], last)
        position = _by_projection("perfledger_projection_position",
                                  "Log position up to which queries see the projection")
        lag = _by_projection("perfledger_projection_lag_events",
                             "Events appended to the log that queries of the projection do not"
                             " see yet")
        quarantined = _by_projection("perfledger_projection_quarantined_events",
                                     "Events the projection set aside because it could not"
                                     " apply them (`perfledger projections` lists them)")
        for projection in live_status(engine.database, list(engine.projections), last):
            position.add_metric([projection.name], projection.visible)
            lag.add_metric([projection.name], projection.lag)
            quarantined.add_metric([projection.name], projection.quarantined)
        deliveries = GaugeMetricFamily(
            "perfledger_webhook_deliveries", "Webhook deliveries by state (pending, delivered,"
            " failed: given up after 24 h, cancelled: their webhook was deleted)",
            labels=["state"])
        for state, count in sorted(delivery_counts(engine.database).items()):
            deliveries.add_metric([state], count)
        return [head, position, lag, quarantined, deliveries]


def _by_projection(name: str, documentation: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=["projection"])
