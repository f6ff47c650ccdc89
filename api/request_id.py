"""The request id: taken from the caller's `X-Request-ID` (or made), bound to every log line of the request,
sent back in the response and handed on with a batch to each of its Celery tasks (`ingest.tasks`).
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import request_id_or_new

HEADER = b"x-request-id"


class RequestId:
    """A plain ASGI middleware: binds `request_id` in the request's logging context and echoes the header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER)
        request_id = request_id_or_new(given.decode("latin-1") if given is not None else None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)
