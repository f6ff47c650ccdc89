"""`HttpMiddleware`: a plain ASGI middleware acting on HTTP requests only (Starlette's `BaseHTTPMiddleware` would
add a task and a memory stream to every request); other scopes (lifespan) pass straight through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    """Wraps `app`; `http` handles each HTTP request and calls `self.app` itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    @abstractmethod
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request."""
