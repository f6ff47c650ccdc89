"""`ContentRoute`: the signed-PDF route's common request (a bearer token, no query string) answered without
FastAPI's dependency solving, by the same checks called directly; any other request goes FastAPI's way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from api.auth import bearer, purpose_stated
from api.problems import reject_unknown_query

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# The one signature the fast path calls, and the one dependency it stands in for (besides the app-wide
# `reject_unknown_query`, whose work is nil when there is no query string).
PARAMETERS = ("document_id", "actor", "request", "range_")
PURPOSE_MAX = 500  # as `purpose_stated`'s `X-Purpose` header declares it


class ContentRoute(APIRoute):
    """An `APIRoute` for an endpoint `(document_id, actor: Purposeful, request, range_: Range header)`. FastAPI's
    dependency solving (five levels, twenty parameter look-ups) was a third of such a read's CPU outside the vault
    (cProfile of a 4 KiB read, docs/vault.md "Tenth session"); a plain request
    (no query string, a bearer token, an `X-Purpose` of 1–500 characters, no dependency overrides) gets the same
    `HTTPBearer` and `purpose_stated` calls directly. Anything else (a session cookie, a query parameter, a header
    FastAPI would refuse) is handed to FastAPI's own handler, so its answers are FastAPI's."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if tuple(inspect.signature(endpoint).parameters) != PARAMETERS:
            raise TypeError(f"ContentRoute serves endpoints {PARAMETERS}, not {endpoint.__name__}")
        super().__init__(path, endpoint, **kwargs)
        called = {dependency.call for dependency in self.dependant.dependencies}
        if called != {purpose_stated}:  # a router-wide dependency (a role check) would be skipped
            raise TypeError(f"ContentRoute: {path} depends on more than purpose_stated")

    def get_route_handler(self) -> Handler:
        solved = super().get_route_handler()
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            credentials = await bearer(request) if _plain(request) else None
            if credentials is None:  # not a plain bearer read: FastAPI's way
                return await solved(request)
            actor = await purpose_stated(request, credentials, request.headers.get("x-purpose"), None)
            arguments = {"document_id": request.path_params["document_id"], "actor": actor, "request": request}
            response: Response = await run_in_threadpool(endpoint, **arguments, range_=request.headers.get("range"))
            return response

        return handler


def _plain(request: Request) -> bool:
    """A request whose dependencies the fast path solves exactly as FastAPI would."""
    purpose = request.headers.get("x-purpose")
    return (
        not request.scope.get("query_string")
        and not request.app.dependency_overrides
        and all(dependency.dependency is reject_unknown_query for dependency in request.app.router.dependencies)
        and (purpose is None or 1 <= len(purpose) <= PURPOSE_MAX)
    )
