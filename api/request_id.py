"""The request id: taken from the caller's `X-Request-ID` (or made), bound to every log line of the request,
sent back in the response and handed on with a batch to each of its Celery tasks (`ingest.tasks`).
"""

from __future__ import annotations

import structlog
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from core.logging import request_id_or_new

HEADER = b"x-request-id"


class RequestId(HttpMiddleware):
    """A plain ASGI middleware: binds `request_id` in the request's logging context and echoes the header."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope["headers"]).get(HEADER)
        request_id = request_id_or_new(given.decode("latin-1") if given is not None else None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)
