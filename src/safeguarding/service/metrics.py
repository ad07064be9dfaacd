"""Prometheus metrics of one service instance (own registry, so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "safeguarding_events_total",
            "Ingested events by type and outcome (created or duplicate).",
            ["type", "status"],
            registry=self.registry,
        )
        self.ingest_latency = Histogram(
            "safeguarding_ingest_seconds",
            "Time to process and durably store one POST /v1/events batch.",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
            registry=self.registry,
        )
        self.requests = Counter(
            "safeguarding_http_requests_total",
            "HTTP requests by route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.server_errors = Counter(
            "safeguarding_http_server_errors_total",
            "Requests that failed inside the service (answered 500), by route template and "
            "exception type.",
            ["route", "error"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "safeguarding_alerts_total",
            "Alerts raised, by level.",
            ["level"],
            registry=self.registry,
        )
        self.webhooks = Counter(
            "safeguarding_webhooks_total",
            "Webhook delivery attempts by outcome (delivered, failed, dead).",
            ["outcome"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "safeguarding_outbox_depth",
            "Webhooks waiting to be delivered (the outbound queue depth).",
            registry=self.registry,
        )

    def track_outbox_depth(self, read: Callable[[], int]) -> None:
        self.outbox_depth.set_function(lambda: float(read()))

    def count_events(self, events: Sequence[Any], stored: Mapping[str, Any]) -> None:
        for ev in events:
            status = "duplicate" if ev.id in stored else "created"
            self.events.labels(type=ev.type, status=status).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
