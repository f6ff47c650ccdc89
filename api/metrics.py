"""Prometheus request metrics, labelled by route template (never by a path that holds an identifier).

A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` would add a task and a memory stream to every request.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("sohoa_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("sohoa_http_request_seconds", "HTTP request latency", ["method", "route"])


class RequestMetrics:
    """Counts each HTTP request by method, route template and status, and times it to its response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
