"""Prometheus request metrics, labelled by route template (never by a path that holds an identifier)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import Counter, Histogram

REQUESTS = Counter("sohoa_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("sohoa_http_request_seconds", "HTTP request latency", ["method", "route"])


async def record_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", "unmatched")
    LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
    REQUESTS.labels(request.method, template, str(response.status_code)).inc()
    return response
