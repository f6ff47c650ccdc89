"""Prometheus request metrics, labelled by route template (never by a path that holds an identifier), and the
exposition `/metrics` serves: this process's metrics, or every API process's in multiprocess mode.
"""

from __future__ import annotations

import os
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware

REQUESTS = Counter("sohoa_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("sohoa_http_request_seconds", "HTTP request latency", ["method", "route"])
# At 0 from the start, so that rate() sees the first batch accepted ("Batches accepted per minute"): a series born
# at its first increment has no earlier sample to compare with (core.metrics does the same for the pipeline).
REQUESTS.labels("POST", "/api/v1/batches", "202")
# Collectors that read the world at scrape time (the broker's queue depths), added by the composition root.
LIVE = CollectorRegistry(auto_describe=False)


def add_live_collector(collector: Collector) -> None:
    """Serve `collector` at /metrics once per process (a second app in the same process adds nothing)."""
    if not any(type(known) is type(collector) for known in LIVE._collector_to_names):
        LIVE.register(collector)


def exposition() -> bytes:
    """This process's metrics, or all API processes' when `PROMETHEUS_MULTIPROC_DIR` is set, then the live ones."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        return generate_latest(merged) + generate_latest(LIVE)
    return generate_latest(REGISTRY) + generate_latest(LIVE)


class RequestMetrics(HttpMiddleware):
    """Counts each HTTP request by method, route template and status, and times it to its response's start."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def send_and_count(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_count)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], template, str(status)).inc()
